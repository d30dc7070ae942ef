"""Media: upload intake, storage backends, image processing and signed access.

The foundation provides the storage seam (local folder or S3); the photo
pipeline builds on it.
"""
