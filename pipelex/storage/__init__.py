"""Storage of generated images, extracted pages, generated documents and normalised inputs.

Content-addressed: a blob's URI is ``pipelex-storage://<sha256>.<ext>`` whatever the store. The store is a
local folder by default (:mod:`pipelex.storage.local`) or an S3-compatible bucket (:mod:`pipelex.storage.s3`),
chosen by ``[storage]`` in ``pipelex.toml`` (:func:`pipelex.storage.factory.storage_for`). Dry runs never touch
storage.
"""
