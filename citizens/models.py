from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Every person who signs in: citizens and staff alike; their profiles hang off this account."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
