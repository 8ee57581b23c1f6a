from kyoso.accounts.views import profile, reauth, registration, review, security, sign_in

app_name = "accounts"

urlpatterns = [
    *sign_in.urlpatterns,
    *registration.urlpatterns,
    *review.urlpatterns,
    *security.urlpatterns,
    *reauth.urlpatterns,
    *profile.urlpatterns,
]
