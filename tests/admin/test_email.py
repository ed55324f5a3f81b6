"""Editors hear of a change waiting for review; reporters hear what became of theirs."""

from tests.admin.pages import approve_on_review_page, edit, reject_on_review_page, review_url, saved


def test_editors_are_emailed_when_a_reporters_change_waits_for_review(
    fact, reporter, editor, admin_user, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        saved(edit(reporter_client, fact, statement="Worth 9 million."))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert sorted(mail.to) == sorted([editor.email, admin_user.email])
    assert reporter.email not in mail.to
    assert "Waiting for review" in mail.subject
    assert review_url(fact) in mail.body


def test_nobody_is_emailed_when_a_save_is_refused(
    fact, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(reporter_client, fact, reason="", statement="Worth 9 million.")
    assert mailoutbox == []


def test_editors_are_not_emailed_again_for_a_save_that_changes_nothing(
    fact, reporter_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        saved(edit(reporter_client, fact, reason="Pressed save again"))
    assert mailoutbox == []


def test_the_reporter_is_emailed_when_their_change_is_approved(
    fact, reporter, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        assert approve_on_review_page(editor_client, fact, "Good catch").status_code == 302
    assert [m.to for m in mailoutbox] == [[reporter.email]]
    assert "approved" in mailoutbox[0].subject
    assert "Worth 9 million." in mailoutbox[0].body and "Good catch" in mailoutbox[0].body


def test_the_reporter_is_emailed_with_the_comment_when_their_change_is_rejected(
    fact, reporter, reporter_client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    saved(edit(reporter_client, fact, statement="Worth 9 million."))
    with django_capture_on_commit_callbacks(execute=True):
        assert reject_on_review_page(editor_client, fact, "The ruling says 5.").status_code == 302
    assert [m.to for m in mailoutbox] == [[reporter.email]]
    assert "rejected" in mailoutbox[0].subject
    assert "The ruling says 5." in mailoutbox[0].body
