"""Done when: after the demo is seeded, the demo auditor finds every event about a demo
reference, exports it, runs verification and sees it pass; ``audit_verify --checkpoint``
catches a rewritten chain."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from audit import chain
from audit.anchors import AnchorScan
from audit.models import AuditCheckpoint, AuditEvent
from directory.demo import DEMO_PASSWORD
from tests.audit import tamper
from tests.audit.test_verify_command import run_verify
from tests.twofactor import login_two_steps


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--force", stdout=StringIO())


def test_the_demo_auditor_journey(demo):
    client = Client()
    response = login_two_steps(client, "demo-auditor", DEMO_PASSWORD)
    assert response.redirect_chain[-1][0] == "/audit/"
    reference = AuditEvent.objects.exclude(reference="").values_list("reference", flat=True).first()
    assert reference, "the demo should contain cases"
    about = list(
        AuditEvent.objects.filter(reference=reference).order_by("seq").values_list("seq", flat=True)
    )

    timeline = client.get("/audit/timeline/", {"reference": reference})
    assert [e.seq for e in timeline.context["page"].items] == about

    export = client.get("/audit/export/jsonl/", {"reference": reference})
    exported = [json.loads(line) for line in b"".join(export.streaming_content).splitlines()]
    trailer = exported.pop()  # the last line says how many events the file must hold
    assert trailer["relais_export_end"] == "v1" and trailer["count"] == len(about)
    assert [row["seq"] for row in exported] == about

    verified = client.post("/audit/chain/", follow=True)
    assert "Chaîne intègre" in verified.content.decode()

    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    line = out.getvalue().splitlines()[0]
    tamper.drop_triggers()
    tamper.drop_triggers("audit_auditcheckpoint")
    tamper.rewrite_from(about[0], code="forged")
    AuditCheckpoint.objects.all().delete()
    # Consistently rewritten, stored checkpoints erased: the chain alone would pass...
    assert chain.verify(anchors=AnchorScan(), stored_records=False).ok
    # ...but the stored verification, the signed anchor and the line kept outside know.
    code, result = run_verify()
    assert code == 1 and result.startswith("BROKEN at seq ")
    code, result = run_verify("--checkpoint", line)
    assert code == 1 and result.startswith("BROKEN at seq ")
