from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlutConfig(AppConfig):
    name = "plut"
    verbose_name = _("Layanan PLUT KUMKM")

    def ready(self):
        from . import exports

        exports.register()  # the service requests list in the registry's exports (the registry imports no plut)

        from . import panels

        panels.register()  # open service requests on the registry's enterprise page
