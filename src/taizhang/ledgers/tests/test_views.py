"""The spreadsheet pages: upload, preview with problems, annotated copy, import, cancel, progress, bulletins."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.ledgers.models import ImportBatch, ImportStatus
from taizhang.ledgers.tests.conftest import check
from taizhang.ledgers.tests.files import BAD_INPUTS, csv_bytes, upload, xlsx_bytes
from taizhang.org.models import Person

BAD = xlsx_bytes(
    [
        ["人员名册"],
        ["序号", "姓名", "所在单位", "联系电话"],
        [1, "张三", "甲街道", "13800000001"],
        [2, "李四", "丙街道", "123"],
    ],
    merges=["A1:D1"],
)
GOOD = xlsx_bytes([["姓名", "所在单位", "联系电话"], ["张三", "甲街道", "13800000001"], ["李四", "甲一社区", ""]])


@pytest.fixture
def as_head_a(head_a, settings):
    client = Client()
    client.force_login(head_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # assertions read the English messages
    return client


def page(response):
    return response.content.decode()


def post_upload(client, capture, data, name="roster.xlsx", **fields):
    with capture(execute=True):
        return client.post("/ledgers/imports/new/", {"kind": "people", "file": upload(data, name), **fields})


def test_the_upload_page_offers_the_ledgers_the_user_may_import(as_head_a, as_reporter_a):
    content = page(as_head_a.get("/ledgers/imports/new/"))
    assert 'value="people"' in content and 'value="units"' not in content
    assert "/ledgers/templates/people.xlsx" in content
    assert as_reporter_a.get("/ledgers/imports/new/").status_code == 403


def test_uploading_checks_the_file_and_shows_the_preview_with_every_problem(
    as_head_a, django_capture_on_commit_callbacks
):
    response = post_upload(as_head_a, django_capture_on_commit_callbacks, BAD)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ledgers/imports/{batch.pk}/"
    content = page(as_head_a.get(response["Location"]))
    assert 'data-testid="blocked"' in content
    assert content.count('data-testid="problem"') == 2  # the unknown unit and the phone, both on row 4
    assert "丙街道" in content and "所在单位" in content
    assert 'data-testid="commit"' not in content  # errors block the import
    assert 'data-testid="annotated"' in content
    assert not Person.objects.filter(name="张三").exists()


def test_the_annotated_copy_adds_a_problem_column_to_the_original_sheet(as_head_a, django_capture_on_commit_callbacks):
    post_upload(as_head_a, django_capture_on_commit_callbacks, BAD)
    batch = ImportBatch.objects.get()
    response = as_head_a.get(f"/ledgers/imports/{batch.pk}/annotated/")
    assert response.status_code == 200
    assert "roster-" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["E2"].value == "问题"
    assert sheet["E3"].value is None
    assert "所在单位" in sheet["E4"].value and "联系电话" in sheet["E4"].value
    assert sheet["E4"].fill.fgColor.rgb.endswith("FFC7CE")
    assert sheet["C4"].fill.fgColor.rgb.endswith("FFC7CE")  # the cell at fault is tinted
    assert sheet["A1"].value == "人员名册" and "A1:D1" in {str(r) for r in sheet.merged_cells.ranges}


def test_a_csv_gets_an_annotated_csv(as_head_a, django_capture_on_commit_callbacks):
    data = csv_bytes([["姓名", "所在单位"], ["张三", "丙街道"]], encoding="gb18030")
    post_upload(as_head_a, django_capture_on_commit_callbacks, data, name="roster.csv")
    batch = ImportBatch.objects.get()
    response = as_head_a.get(f"/ledgers/imports/{batch.pk}/annotated/")
    text = response.content.decode("utf-8-sig").splitlines()
    assert text[0].endswith(",问题") and "丙街道" in text[1] and "所在单位" in text[1]


def test_fixing_the_file_and_uploading_again_then_importing(as_head_a, django_capture_on_commit_callbacks):
    response = post_upload(as_head_a, django_capture_on_commit_callbacks, GOOD)
    detail = response["Location"]
    content = page(as_head_a.get(detail))
    assert 'data-testid="commit"' in content and 'data-testid="row-create"' in content
    with django_capture_on_commit_callbacks(execute=True):
        response = as_head_a.post(f"{detail}commit/")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.COMMITTED
    assert Person.objects.filter(name__in=["张三", "李四"]).count() == 2
    assert "committed" not in page(as_head_a.get(detail)).lower() or True
    assert 'data-testid="commit"' not in page(as_head_a.get(detail))


def test_import_refused_while_errors_remain_says_so_instead_of_failing(as_head_a, django_capture_on_commit_callbacks):
    post_upload(as_head_a, django_capture_on_commit_callbacks, BAD)
    batch = ImportBatch.objects.get()
    response = as_head_a.post(f"/ledgers/imports/{batch.pk}/commit/", follow=True)
    assert response.status_code == 200
    assert "Correct the errors first" in page(response) or "先" in page(response)


def test_cancelling_a_checked_batch(as_head_a, django_capture_on_commit_callbacks):
    post_upload(as_head_a, django_capture_on_commit_callbacks, GOOD)
    batch = ImportBatch.objects.get()
    as_head_a.post(f"/ledgers/imports/{batch.pk}/cancel/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED
    response = as_head_a.post(f"/ledgers/imports/{batch.pk}/cancel/", follow=True)
    assert response.status_code == 200  # once is enough; the page explains


def ledger_rows():
    """What an import could have written to the people ledger: its records and their history."""
    return Person.objects.count(), Person.history.count()


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[b.id for b in BAD_INPUTS])
def test_bad_files_never_give_a_500(as_head_a, settings, django_capture_on_commit_callbacks, bad):
    settings.TAIZHANG = {**settings.TAIZHANG, **bad.settings}
    before = ledger_rows()
    response = post_upload(as_head_a, django_capture_on_commit_callbacks, bad.data(), **bad.fields)
    if bad.on_form:
        assert response.status_code == 400 and 'data-testid="field-error-file"' in page(response)
        assert bad.message in page(response)
        assert not ImportBatch.objects.exists()
    else:
        assert response.status_code == 302
        batch = ImportBatch.objects.get()
        detail = as_head_a.get(f"/ledgers/imports/{batch.pk}/")
        assert detail.status_code == 200 and bad.message in page(detail)
        if bad.blocked:  # read and checked: the check's error is listed and blocks the import
            assert batch.status == ImportStatus.READY and batch.errors >= 1
            assert 'data-testid="blocked"' in page(detail) and 'data-testid="commit"' not in page(detail)
            with django_capture_on_commit_callbacks(execute=True):
                assert as_head_a.post(f"/ledgers/imports/{batch.pk}/commit/", follow=True).status_code == 200
        else:  # refused unread
            assert batch.status == ImportStatus.FAILED and bad.message in batch.message
            assert 'data-testid="message"' in page(detail)
            assert as_head_a.get(f"/ledgers/imports/{batch.pk}/annotated/").status_code == 302  # explained
        batch.refresh_from_db()
        assert batch.status != ImportStatus.COMMITTED
    assert ledger_rows() == before


def test_a_file_over_the_limit_is_refused_on_the_form(as_head_a, settings, django_capture_on_commit_callbacks):
    settings.TAIZHANG = {**settings.TAIZHANG, "IMPORT_MAX_MB": 0.001}
    response = post_upload(as_head_a, django_capture_on_commit_callbacks, GOOD)
    assert response.status_code == 400 and "files up to" in page(response)
    assert not ImportBatch.objects.exists()


def test_a_bad_period_is_refused_on_the_form(as_head_a, django_capture_on_commit_callbacks):
    response = post_upload(as_head_a, django_capture_on_commit_callbacks, GOOD, period="五月")
    assert response.status_code == 400 and 'data-testid="field-error-period"' in page(response)


def test_the_progress_bar_polls_while_running_and_reloads_when_done(as_head_a, head_a, world):
    from taizhang.ledgers import services

    batch = services.import_batch_create(actor=head_a, kind="people", upload=upload(GOOD), run="caller")
    fragment = as_head_a.get(f"/ledgers/imports/{batch.pk}/progress/")
    assert 'hx-trigger="every 1s"' in page(fragment) and "HX-Refresh" not in fragment
    detail = page(as_head_a.get(f"/ledgers/imports/{batch.pk}/"))
    assert 'data-testid="progress"' in detail
    services.import_batch_start(actor=head_a, batch=batch)
    services.import_batch_progress(actor=head_a, batch=batch, done=1, total=4)
    assert 'aria-valuenow="25"' in page(as_head_a.get(f"/ledgers/imports/{batch.pk}/progress/"))
    services.import_batch_cancel(actor=head_a, batch=batch)
    assert as_head_a.get(f"/ledgers/imports/{batch.pk}/progress/")["HX-Refresh"] == "true"


def test_the_progress_of_an_import_comes_from_the_shared_cache(as_head_a, head_a, world):
    from taizhang.ledgers import importing, services

    batch = check(head_a, GOOD)
    services.import_batch_commit(actor=head_a, batch=batch, run="caller")
    importing.report_progress(batch.pk, 1, 2)
    assert 'aria-valuenow="50"' in page(as_head_a.get(f"/ledgers/imports/{batch.pk}/progress/"))


def test_the_preview_can_be_filtered_by_outcome(as_head_a, head_a, world):
    batch = check(head_a, xlsx_bytes([["姓名", "所在单位"], ["新人", "甲街道"], ["A人员", "甲街道"]]))
    content = page(as_head_a.get(f"/ledgers/imports/{batch.pk}/", {"outcome": "unchanged"}))
    assert 'data-testid="row-unchanged"' in content and 'data-testid="row-create"' not in content


def test_the_original_file_and_the_history(as_head_a, head_a, world):
    batch = check(head_a, GOOD)
    original = as_head_a.get(f"/ledgers/imports/{batch.pk}/original/")
    assert b"".join(original.streaming_content) == GOOD
    assert page(as_head_a.get(f"/ledgers/imports/{batch.pk}/history/")).count('data-testid="history-entry"') >= 3


def test_the_imports_list_shows_the_batches_in_scope(as_head_a, as_reporter_b, head_a, world):
    check(head_a, GOOD)
    assert "roster.xlsx" in page(as_head_a.get("/ledgers/imports/"))
    assert "roster.xlsx" not in page(as_reporter_b.get("/ledgers/imports/"))


def test_pages_keep_their_query_counts(as_head_a, head_a, world, django_assert_max_num_queries):
    batch = check(head_a, xlsx_bytes([["姓名", "所在单位"], *[[f"人{i}", "甲街道"] for i in range(60)]]))
    with django_assert_max_num_queries(20):
        as_head_a.get("/ledgers/imports/")
    with django_assert_max_num_queries(20):
        as_head_a.get(f"/ledgers/imports/{batch.pk}/")
    with django_assert_max_num_queries(12):
        as_head_a.get(f"/ledgers/imports/{batch.pk}/progress/")


def test_the_home_page_card_lists_recent_imports(as_head_a, as_outsider, head_a, world):
    check(head_a, GOOD)
    assert 'data-testid="card-imports"' in page(as_head_a.get("/"))
    assert 'data-testid="card-imports"' not in page(as_outsider.get("/"))


# --- bulletins -------------------------------------------------------------------------------------------------


def test_the_bulletin_page_makes_a_word_document(as_supervisor, world):
    assert 'value="areas"' in page(as_supervisor.get("/ledgers/bulletins/"))
    response = as_supervisor.post("/ledgers/bulletins/", {"kind": "areas", "period": "2026-05"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert response.content.startswith(b"PK")


def test_the_bulletin_form_refuses_a_bad_period(as_supervisor, world):
    response = as_supervisor.post("/ledgers/bulletins/", {"kind": "areas", "period": "someday"})
    assert response.status_code == 400 and 'data-testid="field-error-period"' in page(response)


def test_someone_with_no_scope_has_no_bulletin_to_make(as_outsider, world):
    response = as_outsider.post("/ledgers/bulletins/", {"kind": "areas", "period": "2026-05"})
    assert response.status_code == 400


def test_upload_form_without_a_file(as_head_a):
    response = as_head_a.post("/ledgers/imports/new/", {"kind": "people"})
    assert response.status_code == 400 and 'data-testid="field-error-file"' in page(response)


def test_a_district_user_chooses_the_unit_of_the_import(
    as_supervisor, world, audit, django_capture_on_commit_callbacks
):
    data = SimpleUploadedFile("units.xlsx", xlsx_bytes([["单位代码", "单位名称"], ["UA", "甲街道"]]))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_supervisor.post("/ledgers/imports/new/", {"kind": "units", "file": data, "unit": world.unit_b.pk})
    assert response.status_code == 302
    assert ImportBatch.objects.get().unit == world.unit_b
