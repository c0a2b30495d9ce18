from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsrConfig(AppConfig):
    name = "csr"
    verbose_name = _("Program TJSL (CSR)")

    def ready(self):
        from registry.signals import classes_changed

        from .receivers import classes_changed_received

        classes_changed.connect(classes_changed_received, dispatch_uid="csr.classes_changed")

        from . import exports

        exports.register()  # the supports list in the registry's exports (the registry imports no csr)

        from . import panels

        panels.register()  # active supports on the registry's enterprise page
