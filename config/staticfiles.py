"""The static files' storage in production (``settings.STORAGES``): WhiteNoise's names carrying a hash of the
content and gzipped copies, made by ``collectstatic`` at every start of ``bin/serve``."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Gzipped copies only, also where the brotli module is installed (locust, the load test's tool, brings it
    along): brotli copies of every file would add seconds of CPU to each start, for files a browser on the
    county's network fetches once and then keeps (docs/decisions.md, "Load test")."""

    def create_compressor(self, **kwargs):
        return super().create_compressor(**kwargs, use_brotli=False)
