"""Pages of the accounts app, one module per area; each module exports its ``urlpatterns``."""
