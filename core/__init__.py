"""The lowest layer: small helpers every app may use, knowing nothing of the portal's stages
(docs/architecture.md)."""
