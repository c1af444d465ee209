"""Loads a province's catalogue from a YAML file; running it again updates in place and duplicates nothing."""

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from procedures.models import (
    AdministrativeUnit,
    Agency,
    DocumentType,
    Fee,
    Field,
    FormField,
    LegalDocument,
    Procedure,
    ProcessStep,
    RequiredDocument,
)
from procedures.services import publish_procedure_version
from workflows.worktime.models import CalendarException

DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "data" / "thanh_hoa.yaml"
# Blank forms a document entry names with `template:`: in `templates/` beside the catalogue file, else among
# the ones OneStop ships.
TEMPLATES = "templates"


class CatalogueError(Exception):
    """The catalogue file says something the catalogue cannot hold; the message names the entry."""


@dataclass
class LoadReport:
    created: dict = dataclass_field(default_factory=dict)
    updated: dict = dataclass_field(default_factory=dict)
    versions_published: int = 0

    def count(self, label, created):
        bucket = self.created if created else self.updated
        bucket[label] = bucket.get(label, 0) + 1


def load_catalogue(path=DEFAULT_CATALOGUE):
    with open(path, encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    report = LoadReport()
    with transaction.atomic():
        province = _save(report, AdministrativeUnit, {"code": data["province"]["code"]}, data["province"])
        for commune in data["communes"]:
            _save(report, AdministrativeUnit, {"code": commune["code"]}, {**commune, "parent": province})
        _load_agencies(report, data["agencies"])
        for document in data.get("legal_documents", []):
            _save(report, LegalDocument, {"number": document["number"]}, document)
        for field in data["fields"]:
            _save(report, Field, {"code": field["code"]}, field)
        for document_type in data.get("document_types", []):
            _save(report, DocumentType, {"code": document_type["code"]}, document_type)
        for entry in data["procedures"]:
            _load_procedure(report, entry,
                            templates=[Path(path).parent / TEMPLATES, DEFAULT_CATALOGUE.parent / TEMPLATES])
        for exception in data.get("calendar_exceptions", []):
            _save(report, CalendarException, {"day": exception["day"]}, exception)
    return report


def _save(report, model, lookup, values):
    """update_or_create that validates like a form would, so bad data fails with the entry named."""
    instance = model.objects.filter(**lookup).first()
    created = instance is None
    instance = instance or model(**lookup)
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CatalogueError(f"{model._meta.verbose_name} {lookup}: {error.message_dict}") from error
    instance.save()
    report.count(model._meta.verbose_name_plural, created)
    return instance


def _load_agencies(report, agencies):
    units = {unit.code: unit for unit in AdministrativeUnit.objects.all()}
    saved = {}
    # Parents first, so that a branch can point at its centre whatever the file's order.
    for entry in sorted(agencies, key=lambda agency: agency.get("parent") is not None):
        values = {key: value for key, value in entry.items() if key not in {"unit", "parent"}}
        try:
            values["unit"] = units[entry["unit"]]
            values["parent"] = saved[entry["parent"]] if entry.get("parent") else None
        except KeyError as missing:
            raise CatalogueError(f"agency {entry['code']}: unknown unit or parent {missing}") from None
        saved[entry["code"]] = _save(report, Agency, {"code": entry["code"]}, values)


def _load_procedure(report, entry, *, templates):
    simple = {
        key: entry.get(key)
        for key in ["name", "level", "time_limit_unit", "online_level", "boundary_free", "result", "intake_cutoff",
                    "announced_on", "published_on"]
    }
    simple["announcement_decision"] = entry.get("announcement_decision") or ""
    simple["time_limit"] = Decimal(str(entry["time_limit"]))
    simple["sets"] = entry.get("sets", 1)
    simple["competent_agency_kind"] = entry.get("competent_agency_kind") or ""
    simple["is_active"] = entry.get("is_active", True)
    try:
        simple["field"] = Field.objects.get(code=entry["field"])
        simple["competent_agency"] = (
            Agency.objects.get(code=entry["competent_agency"]) if entry.get("competent_agency") else None
        )
        legal_basis = [LegalDocument.objects.get(number=number) for number in entry.get("legal_basis", [])]
        simple["result_type"] = _document_type(entry.get("result_type"))
        types = [_document_type(document.get("type")) for document in entry.get("documents", [])]
    except (Field.DoesNotExist, Agency.DoesNotExist, LegalDocument.DoesNotExist, DocumentType.DoesNotExist) as error:
        raise CatalogueError(f"procedure {entry['code']}: {error}") from None
    procedure = _save(report, Procedure, {"code": entry["code"]}, simple)
    procedure.legal_basis.set(legal_basis)

    _replace_children(report, procedure, ProcessStep, [
        {"name": step["name"], "role": step["role"], "share": Decimal(str(step["share"]))} for step in entry["steps"]
    ])
    _replace_children(report, procedure, RequiredDocument, [
        {
            "name": document["name"],
            "form": document.get("form", RequiredDocument.Form.ORIGINAL),
            "copies": document.get("copies", 1),
            "is_required": document.get("required", True),
            "note": document.get("note") or "",
            "document_type": document_type,
        }
        for document, document_type in zip(entry.get("documents", []), types, strict=True)
    ])
    _attach_templates(procedure, entry.get("documents", []), templates=templates)
    _replace_children(report, procedure, Fee, [
        {"name": fee["name"], "kind": fee["kind"], "amount": int(fee["amount"]), "note": fee.get("note") or ""}
        for fee in entry.get("fees", [])
    ])
    _replace_form(report, procedure, entry.get("form", []))
    previous = procedure.current_version
    try:
        version = publish_procedure_version(procedure=procedure)
    except ValidationError as error:
        raise CatalogueError(f"procedure {entry['code']}: {' '.join(error.messages)}") from None
    if version != previous:
        report.versions_published += 1


def _document_type(code):
    return DocumentType.objects.get(code=code) if code else None


def _replace_form(report, procedure, entries):
    """The file lists the application form's fields in order; the catalogue keeps exactly those.

    A field's name is unique within its form, so updating row by row would collide when fields are renamed or
    reordered: an unchanged form is left alone, a changed one is rebuilt.
    """
    wanted = [_form_field(procedure, order, entry) for order, entry in enumerate(entries, start=1)]
    names = [form_field.name for form_field in wanted]
    if len(set(names)) != len(names):
        raise CatalogueError(f"procedure {procedure.code}: a form field name appears twice in {names}")
    label = FormField._meta.verbose_name_plural
    existing = list(procedure.form_fields.order_by("order"))
    if _form_rows(existing) == _form_rows(wanted):
        for _field in existing:
            report.count(label, created=False)
        return
    procedure.form_fields.all().delete()
    FormField.objects.bulk_create(wanted)
    for _field in wanted:
        report.count(label, created=True)


def _form_rows(fields):
    return [(field.order, field.snapshot()) for field in fields]


def _form_field(procedure, order, entry):
    choices = entry.get("choices") or ""
    form_field = FormField(
        procedure=procedure,
        order=order,
        name=entry["name"],
        label=entry["label"],
        kind=entry.get("kind", FormField.Kind.TEXT),
        required=entry.get("required", True),
        help_text=entry.get("help_text") or "",
        choices="\n".join(choices) if isinstance(choices, list) else choices,
        min_length=entry.get("min_length"),
        max_length=entry.get("max_length"),
        # As text, so that YAML's floats do not arrive as 0.1000000000000000055; full_clean makes them Decimals.
        min_value=str(entry["min_value"]) if entry.get("min_value") is not None else None,
        max_value=str(entry["max_value"]) if entry.get("max_value") is not None else None,
    )
    try:
        # Excluding the procedure skips the unique checks, which would see the rows about to be replaced.
        form_field.full_clean(exclude=["procedure"])
    except ValidationError as error:
        raise CatalogueError(
            f"procedure {procedure.code}, form field {entry.get('name')!r}: {error.message_dict}"
        ) from error
    return form_field


def _attach_templates(procedure, documents, *, templates):
    """Each document with a blank form to download gets the file once; loading again leaves the stored one."""
    for order, document in enumerate(documents, start=1):
        name = document.get("template")
        if not name:
            continue
        source = next((folder / name for folder in templates if (folder / name).is_file()), None)
        if source is None:
            raise CatalogueError(f"procedure {procedure.code}: no template file {name} in {TEMPLATES}/")
        required = RequiredDocument.objects.get(procedure=procedure, order=order)
        if Path(required.template.name or "").name.startswith(source.stem):
            continue
        with source.open("rb") as content:
            required.template.save(source.name, File(content), save=True)


def _replace_children(report, procedure, model, rows):
    """The file lists a procedure's steps, documents and fees in order; the catalogue keeps exactly those."""
    for order, values in enumerate(rows, start=1):
        _save(report, model, {"procedure": procedure, "order": order}, values)
    model.objects.filter(procedure=procedure, order__gt=len(rows)).delete()
