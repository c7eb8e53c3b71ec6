"""``dataset/croissant.json``: Croissant 1.1 metadata with the Responsible-AI fields.

Made by ``tahaluf build`` next to the card, from the same declarations:

* one ``cr:FileObject`` per data file (``data/<config>/<split>.jsonl``, path
  relative to the dataset folder, ``sha256`` of its bytes, JSON Lines);
* one ``cr:RecordSet`` per config and split, named ``<config>_<split>``
  (``speakers_registry`` for the registry's one split), whose
  fields are :func:`tahaluf.dataset.configs.features` translated by
  :func:`fields_of`: ``Value("string")`` and a ClassLabel (stored by name) are
  ``sc:Text`` (a ClassLabel's names are in the field's description),
  ``Value("int32")`` is ``sc:Integer``, a struct has ``subField``\\ s, a list
  is ``isArray``. A field reads its JSON key with ``extract.column``; a
  subfield reads its parent's column and walks down with one ``jsonPath``
  transform per level (a list is walked element-wise);
* the name, description, licences, citation and the texts' status from
  :mod:`tahaluf.dataset.about`, the one place the card reads them from too;
* the RAI fields (:data:`tahaluf.dataset.about.RAI`), condensed from DATASHEET.md.

The file is JSON with sorted-free, fixed key order (:func:`tahaluf.core.jsonio.dumps`
style, UTF-8, Arabic as is): two builds give the same bytes. No field needs the
network: every ``contentUrl`` is a relative path.
"""

from __future__ import annotations

import json
from typing import Any

from tahaluf.core.schema import Schema
from tahaluf.core.version import __version__
import tahaluf.dataset.about as about
from tahaluf.dataset.configs import CONFIGS, data_file, features, splits_of

CROISSANT_FILE = "croissant.json"

#: the JSON-LD context of Croissant 1.1 (the spec's recommended context, with the RAI namespace)
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}


def _file_id(config: str, split: str) -> str:
    return f"{config}_{split}_jsonl"


def _leaf_type(feat) -> tuple[str, str]:
    """(Croissant dataType, description suffix) of a leaf feature."""
    from datasets import ClassLabel, Value

    if isinstance(feat, ClassLabel):
        return "sc:Text", f"; one of: {', '.join(feat.names)} (a ClassLabel in the Hugging Face features)"
    if isinstance(feat, Value) and feat.dtype.startswith("int"):
        return "sc:Integer", ""
    if isinstance(feat, Value) and feat.dtype == "string":
        return "sc:Text", ""
    raise TypeError(f"no Croissant type for feature {feat!r}")  # a new feature type needs a mapping here


def fields_of(record_set: str, file_id: str, feats, *, parent: str = "", column: str = "",
              path: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Croissant fields for a ``datasets.Features`` mapping (recursively for structs and lists)."""
    from datasets import List, Sequence

    out = []
    for name, feat in feats.items():
        fid = f"{parent or record_set}/{name}"
        col, walk = (column, (*path, name)) if column else (name, ())
        source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": col}}
        if walk:
            source["transform"] = [{"jsonPath": p} for p in walk]
        field: dict[str, Any] = {"@type": "cr:Field", "@id": fid, "name": name}
        inner, is_array = feat, False
        if isinstance(feat, (List, Sequence)):
            inner, is_array = feat.feature, True
        if isinstance(inner, dict):
            field["description"] = f"{name}: a record (null when absent)" if not is_array else f"{name}: a list of records"
            if is_array:
                field["isArray"] = True
            field["subField"] = fields_of(record_set, file_id, inner, parent=fid, column=col, path=walk)
        else:
            dtype, note = _leaf_type(inner)
            field["description"] = f"{name}{note}"
            field["dataType"] = dtype
            if is_array:
                field["isArray"] = True
            field["source"] = source
        out.append(field)
    return out


def croissant(sums: list[tuple[str, str, int]], rows_per: dict[tuple[str, str], int], schema: Schema,
              data_hash: str, documents_hash: str) -> dict[str, Any]:
    """The Croissant document (a JSON-LD dict) for a built dataset folder."""
    by_path = {p: (s, n) for s, p, n in sums}
    distribution, record_sets = [], []
    for c, what in CONFIGS.items():
        for s in splits_of(c):
            sha, size = by_path[data_file(c, s)]
            fid = _file_id(c, s)
            distribution.append({
                "@type": "cr:FileObject", "@id": fid, "name": fid,
                "description": f"config {c}, split {s}: {what}",
                "contentUrl": data_file(c, s), "contentSize": f"{size} B",
                "encodingFormat": "application/jsonlines", "sha256": sha,
            })
            rs = f"{c}_{s}"
            record_sets.append({
                "@type": "cr:RecordSet", "@id": rs, "name": rs,
                "description": f"config {c}, split {s} ({rows_per[c, s]} rows): {what}",
                "field": fields_of(rs, fid, features(c, schema)),
            })
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.1",
        "name": about.NAME,
        "alternateName": about.ALTERNATE_NAME,
        "description": about.DESCRIPTION,
        "version": __version__,
        "license": about.LICENSE_URLS,
        "citeAs": about.bibtex(__version__, data_hash),
        "creator": about.CREATOR,
        "inLanguage": "ar",
        "keywords": list(about.TAGS),
        "isLiveDataset": False,
        "dateCreated": "2026-11-21",  # the texts entered the repository (DATASHEET.md); not published yet
        "identifier": f"data files hash {data_hash}; documents hash {documents_hash}",
        "usageInfo": about.texts_status(),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if about.URL:
        doc["url"] = about.URL
    for k, v in about.RAI.items():
        doc[f"rai:{k}"] = v
    return doc


def croissant_bytes(doc: dict[str, Any]) -> bytes:
    """The file's bytes: indented JSON, UTF-8, Arabic as is, a final newline."""
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
