"""Production static storage.

viewflow's prebuilt CSS references a font file that its wheel does not ship; Django's manifest
storage then fails ``collectstatic`` with "The file ... could not be found". We keep hashing and
compression for everything else and leave such dangling references untouched.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class RelaisStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            # A reference to a file that does not exist: serve the reference as written.
            return name
