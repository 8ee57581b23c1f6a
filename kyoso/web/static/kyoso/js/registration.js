// 参加登録, step 1: the 一部事務組合 fields show only when that kind of organisation is chosen.
//
// Without JavaScript both groups show, the joint body's under the legend 「一部事務組合・広域連合など
// の場合のみ」, and the server reads only the group of the kind that was chosen.

function setUp(form) {
  const radios = [...form.querySelectorAll("input[data-organization-kind]")];
  const groups = [...form.querySelectorAll("[data-kind-group]")];
  if (!radios.length || !groups.length) return;

  const show = () => {
    const chosen = radios.find((radio) => radio.checked)?.value || "directory";
    for (const group of groups) group.hidden = group.dataset.kindGroup !== chosen;
  };
  for (const radio of radios) radio.addEventListener("change", show);
  show();
}

document.querySelectorAll("form").forEach(setUp);
