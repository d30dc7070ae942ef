""" "Download everything": one ZIP per guardian and child with the photos that guardian
may see, the child's diary and the family thread as a printable HTML book, and a
JSON export; built by a worker straight into storage, downloaded with resume.

* ``models``: the ``Archive`` row (status, progress, object key, expiry).
* ``contents``: what a guardian is entitled to, read at build time.
* ``photo_file``: a photo as a dated JPEG (only a capture date in its EXIF).
* ``book``: the HTML book (index, one page per month, print stylesheet).
* ``build``: the streaming ZIP (ZIP64 where needed) into storage.
* ``service``: start or join a build, read status; ``routes``: the endpoints.
"""
