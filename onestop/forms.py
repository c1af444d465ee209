"""Form pieces every page of OneStop shares."""

from django.forms.forms import NON_FIELD_ERRORS


def error_summary(*forms, extra=()):
    """Every error of `forms`, in the order their fields appear, then `extra`: what the error summary at the top
    of a page lists (templates/error_summary.html), each entry linking to the field it belongs to.

    An entry is {"anchor": the id to link to, or "" for errors of the whole form; "message": the text}; the
    field's label goes before its message, because "This field is required" alone says nothing in a list.
    """
    entries = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        entries += [{"anchor": "", "message": error} for error in form.errors.get(NON_FIELD_ERRORS, ())]
        for field in form:
            anchor = field.id_for_label
            if not anchor and field.subwidgets:  # radio buttons and checkbox lists: the first of them
                anchor = field.subwidgets[0].id_for_label
            entries += [{"anchor": anchor or field.auto_id, "message": f"{field.label}: {error}"}
                        for error in field.errors]
    return entries + list(extra)
