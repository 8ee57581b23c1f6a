from kyoso.accounts.views import profile, registration, review, security, sign_in

app_name = "accounts"

urlpatterns = [
    *sign_in.urlpatterns,
    *registration.urlpatterns,
    *review.urlpatterns,
    *security.urlpatterns,
    *profile.urlpatterns,
]
