#!/usr/bin/env python3
"""Reference for passerelle's benchmark: what most existing tools do.

Loads every XML file given (bare, or every .xml member of a .zip) with
xml.etree.ElementTree into a whole-document tree, then turns each record
(an element with attributes or children under DONNEES) into a dict, the
way Gepi-like tools and web importers do. Prints the number of records.

Usage: python3 bench/etree_load.py FILE_OR_FOLDER...
"""

import io
import os
import sys
import zipfile
import xml.etree.ElementTree as ET


def xml_blobs(path):
    """Yields (name, bytes) for every XML file under path."""
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            yield from xml_blobs(os.path.join(path, name))
    elif path.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if member.lower().endswith(".xml"):
                    yield f"{path}!{member}", archive.read(member)
    elif path.lower().endswith(".xml"):
        with open(path, "rb") as handle:
            yield path, handle.read()


def element_to_dict(element):
    record = dict(element.attrib)
    for child in element:
        if len(child):
            record.setdefault(child.tag, []).append(element_to_dict(child))
        else:
            record[child.tag] = (child.text or "").strip()
    return record


def load(blob):
    root = ET.parse(io.BytesIO(blob)).getroot()
    records = []
    data = root.find("DONNEES")
    for block in (data if data is not None else root):
        for item in block:
            records.append(element_to_dict(item))
    return records


def main(paths):
    total = 0
    for path in paths:
        for _name, blob in xml_blobs(path):
            total += len(load(blob))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1:])
