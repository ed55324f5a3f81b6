"""Where the site's own static files are read from in production."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage of fingerprinted, compressed files, saying what to do before they are collected.

    Every page names its stylesheet by the fingerprint collectstatic records;
    until it has run, no page can be rendered, and the error says so.
    """

    def stored_name(self, name):
        if not self.hashed_files:
            raise ValueError(
                f"Missing staticfiles manifest entry for '{name}': the static files have not been collected "
                f"into {self.location}. Run `python manage.py collectstatic --no-input`."
            )
        return super().stored_name(name)
