"""The applicant's online payment block, shown on their dossier's page and right after filing."""

from django import template

from .. import online

register = template.Library()


@register.inclusion_tag("payments/_pay_online.html", takes_context=True)
def online_payment(context, dossier):
    user = context["request"].user
    # Failed and abandoned attempts charged nothing: the applicant is not shown them again.
    requests = list(dossier.payment_requests.filter(status__in=["pending", "paid", "mismatch"]).order_by("created_at"))
    return {"dossier": dossier, "may_pay": online.may_pay_online(dossier, user), "requests": requests,
            "csrf_token": context.get("csrf_token")}
