"""Importing school-level figures: upload, choose columns, preview, import (all or nothing)."""

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import la_admin_required
from portal.categories import bp
from portal.categories.forms import ImportUploadForm, mapping_form
from portal.categories.imports import (
    apply,
    find_upload,
    forget_upload,
    importable_indicators,
    keep_upload,
    open_upload,
    preview,
    remembered_mapping,
)
from portal.categories.schemes import current_version
from portal.categories.spreadsheet import SpreadsheetRefused
from portal.extensions import db


@bp.route("/figures/import", methods=["GET", "POST"])
@la_admin_required
def import_upload():
    version = current_version()
    indicators = importable_indicators(version)
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload = request.files.get(form.spreadsheet.name)
        if upload is None or not upload.filename:
            form.spreadsheet.errors.append("Choose the spreadsheet to upload")
        else:
            try:
                name = keep_upload(upload.filename, upload.read())
            except SpreadsheetRefused as problem:
                form.spreadsheet.errors.append(problem.message)
            else:
                return redirect(url_for("categories.import_mapping", upload_id=uuid.UUID(name.split(".")[0])))
    return render_template("categories/import_upload.html", form=form, indicators=indicators, version=version)


@bp.route("/figures/import/<uuid:upload_id>", methods=["GET", "POST"])
@la_admin_required
def import_mapping(upload_id):
    name = find_upload(upload_id)
    sheet = open_upload(name) if name else None
    if sheet is None:
        flash("That upload has gone (uploads are kept for a day). Upload the spreadsheet again.", "error")
        return redirect(url_for("categories.import_upload"))
    indicators = importable_indicators(current_version())
    data = None
    if request.method == "GET":
        remembered = remembered_mapping(sheet.headers)
        data = {"urn_column": remembered.get("urn_column") or next((h for h in sheet.headers if h.strip().upper() == "URN"), "")}
        for number, header in enumerate(sheet.headers):
            data[f"column_{number}"] = (remembered.get("columns") or {}).get(header, "")
    form = mapping_form(sheet.headers, indicators, data=data)
    result = None
    if form.is_submitted() and form.validate():
        columns = {header: form[f"column_{n}"].data for n, header in enumerate(sheet.headers) if form[f"column_{n}"].data}
        columns.pop(form.urn_column.data, None)
        try:
            result = preview(sheet, form.urn_column.data, columns, indicators)
        except SpreadsheetRefused as problem:
            form.urn_column.errors = list(form.urn_column.errors) + [problem.message]
        else:
            if form.confirm.data and result.unmatched and not form.leave_out_unmatched.data:
                form.leave_out_unmatched.errors = list(form.leave_out_unmatched.errors) + [
                    f"{len(result.unmatched)} row(s) match no school in the portal: tick the box to leave them out, "
                    "or correct their URNs and upload again"]
            elif form.confirm.data:
                data_import = apply(sheet, result, form.urn_column.data, columns, current_user)
                db.session.commit()
                forget_upload(name)
                flash(f"Imported {data_import.figures} figures for {data_import.schools} schools from {sheet.filename}.",
                      "success")
                return redirect(url_for("categories.import_upload"))
    return render_template("categories/import_mapping.html", form=form, sheet=sheet, indicators=indicators, result=result,
                           upload_id=upload_id)
