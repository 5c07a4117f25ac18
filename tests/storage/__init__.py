"""Tests of storage: the local content-addressed folder and the S3-compatible store."""
