"""Generated from proto/nestor/catalog/v1 by scripts/generate.sh. Do not edit."""
