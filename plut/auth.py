"""Login rate limiting (django-axes) for every sign-in form: the admin's and the MSME portal's."""

from axes.backends import AxesStandaloneBackend


class AxesBackend(AxesStandaloneBackend):
    """Axes' backend, except for a sign-in that did not come over HTTP (request is None: the shell, the
    test client's login()); there is no address to lock out, so the next backend decides alone."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
