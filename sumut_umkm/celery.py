import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sumut_umkm.settings")

app = Celery("sumut_umkm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The roadmap is a package inside csr: autodiscovery looks only at each app's own tasks module.
app.autodiscover_tasks(["csr.roadmap"])
