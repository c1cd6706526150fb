"""Personal documents (L0 memory): importers per format, chunking, hybrid search, watched folders."""
from __future__ import annotations

from core.documents.model import ChunkView, DocumentInfo, ImportReport, PassageHit
from core.documents.service import DocumentService

__all__ = ["ChunkView", "DocumentInfo", "DocumentService", "ImportReport", "PassageHit"]
