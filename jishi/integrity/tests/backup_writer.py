"""The writer of the backup test, in its own process: builds the test organisation, says "ready", then creates
records (every tenth with an attachment) until the file named by its argument exists, printing each record's id as
soon as its transactions have committed."""

from __future__ import annotations

import datetime
import itertools
import sys
from pathlib import Path

import django

LIMIT = 5_000  # bounded, whatever happens to the test that started it


def main(stop: Path) -> None:
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from jishi.records.services import attachment_add
    from jishi.testing import GOOD_CONTENT, build_org, write_record

    org = build_org()
    authors = [org.author, org.colleague, org.sibling, org.unrelated, org.civil_head, org.section_head]
    print("ready", flush=True)
    today = timezone.localdate()
    for n in itertools.takewhile(lambda _: not stop.exists(), range(LIMIT)):
        author = authors[n % len(authors)]
        day = today - datetime.timedelta(days=(n // len(authors)) % 5)
        record = write_record(
            author, date=day, start_time=None, end_time=None, duration_minutes=5, content=f"{GOOD_CONTENT}（第{n}次）"
        )
        if n % 10 == 0:
            upload = SimpleUploadedFile(f"纪要{n}.txt", f"第{n}份会议纪要".encode(), "text/plain")
            attachment_add(actor=author, record=record, upload=upload)
        print(record.pk, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
