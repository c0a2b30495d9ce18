from django.urls import include, path

from sumut_umkm import passwords

from . import staff_views, views

app_name = "plut"

urlpatterns = [
    # Public: the catalogue, sign-up and the MSME sign-in.
    path("", views.catalogue, name="catalogue"),
    path("daftar/", views.signup, name="signup"),
    path("login/", views.MsmeLoginView.as_view(), name="login"),
    path("", include(passwords.plut_urlpatterns)),  # change and "forgot password" (the reset pages are public)
    # MSME portal
    path("portal/", views.portal, name="portal"),
    path("usaha/tambah/", views.claim_add, name="claim-add"),
    path("usaha/<int:pk>/", views.enterprise_edit, name="enterprise-edit"),
    path("usaha/<int:pk>/laporan/", views.figures, name="figures"),
    path("usaha/<int:pk>/izin/", views.permit_add, name="permit-add"),
    # Requests (every role, scoped)
    path("permohonan/baru/", views.request_new, name="request-new"),
    path("permohonan/<int:pk>/", views.request_detail, name="request-detail"),
    path("permohonan/<int:pk>/status/", views.request_transition, name="request-transition"),
    path("permohonan/<int:pk>/pesan/", views.request_message, name="request-message"),
    path("permohonan/<int:pk>/catatan/", views.request_note, name="request-note"),
    path("permohonan/<int:pk>/nilai/", views.request_rate, name="request-rate"),
    path("lampiran/<int:pk>/", views.attachment_download, name="attachment-download"),
    # Staff and consultants
    path("antrean/", staff_views.queue, name="queue"),
    path("klaim/", staff_views.claims, name="claims"),
    path("klaim/<int:pk>/putuskan/", staff_views.claim_decide, name="claim-decide"),
    # Events
    path("kegiatan/", views.event_list, name="events"),
    path("kegiatan/<int:pk>/", views.event_detail, name="event-detail"),
    path("kegiatan/<int:pk>/kehadiran/", views.event_attendance, name="event-attendance"),
    path("pendaftaran/<int:pk>/batal/", views.registration_cancel, name="registration-cancel"),
]
