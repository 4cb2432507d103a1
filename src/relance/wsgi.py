import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from relance.config import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.settings")
application = get_wsgi_application()
require_secret_key(settings.DEBUG, settings.SECRET_KEY_FROM_ENV)
