"""The REST API (django-ninja): tokens with scopes, one router per area, problem details."""
