"""Dossiers over the API: filed, read, listed and carried through their transitions by the same services as the
portal and the single window, so the same rules hold. Thin: serializers check shapes, the services decide."""

import hashlib
import json
import re
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied, Throttled
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.api import (
    Conflict,
    HasScope,
    PreconditionFailed,
    PreconditionRequired,
    StrictPageSize,
    UnprocessableEntity,
    api_client,
)
from onestop.http import client_ip, national_sign_in_level
from onestop.limits import consume_lookup_attempt
from onestop.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer
from workflows.dossiers import selectors, services, transitions
from workflows.dossiers.models import AuditEntry, Dossier
from workflows.dossiers.staff import staff_roles
from workflows.payments import services as payments
from workflows.reporting import indicators, scores
from workflows.reporting.forms import IndicatorQuery

from .filters import DossierFilter
from .models import IdempotencyRecord
from .serializers import (
    ACTIONS,
    AnswerSerializer,
    AttachedDocumentSerializer,
    DossierDetailSerializer,
    DossierSerializer,
    FilingSerializer,
    IndicatorReportSerializer,
    LookupSerializer,
    RecordedPaymentSerializer,
    RecordPaymentSerializer,
    TimelineEntrySerializer,
    action_serializer,
    as_file,
    service_arguments,
)

FILING_EXAMPLE = OpenApiExample(
    "A construction permit filed by the national portal for a citizen", request_only=True,
    value={"procedure": "1.009974", "receiving_agency": "000.00.01.H56",
           "applicant": {"name": "Nguyễn Thị Lan", "identity_number": "038195001234", "phone": "0912345678",
                         "email": "lan@example.vn", "address": "12 Lê Lợi, phường Hạc Thành"},
           "form": {"dia_chi_cong_trinh": "12 Lê Lợi", "dien_tich": "120.5"},
           "result_delivery": "post", "delivery_address": "12 Lê Lợi, phường Hạc Thành",
           "documents": [{"order": 1, "filename": "don-de-nghi.pdf", "content": "JVBERi0xLjQK..."}]})
INVALID_FORM_EXAMPLE = OpenApiExample(
    "The application form has errors", response_only=True, status_codes=["400"], media_type=PROBLEM_CONTENT_TYPE,
    value={"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "The request has invalid fields.",
           "errors": {"form": {"dien_tich": ["Ensure this value is greater than or equal to 1."]}},
           "instance": "/api/v1/dossiers/"})
STALE_EXAMPLE = OpenApiExample(
    "Someone acted on the dossier since the caller read it", response_only=True, status_codes=["412"],
    media_type=PROBLEM_CONTENT_TYPE,
    value={"type": "about:blank", "title": "Precondition Failed", "status": 412,
           "detail": "This dossier changed while you were looking at it (it is now: Received). Reload it.",
           "code": "precondition_failed", "instance": "/api/v1/dossiers/000.00.01.H56-261124-0007/receive/"})
PAYMENT_EXAMPLE = OpenApiExample(
    "The payment platform's callback for a construction permit's charge", request_only=True,
    value={"amount": 75000, "method": "online", "reference": "PAYGOV-20261124-000123",
           "paid_at": "2026-11-24T09:15:00+07:00"})
REASON_EXAMPLE = OpenApiExample("With the ETag in If-Match", request_only=True,
                                value={"reason": "Thiếu bản vẽ mặt bằng có chữ ký của chủ đầu tư."})

# An ETag as OneStop writes it ("7"), weak or bare digits accepted; anything else in If-Match is a 400.
ETAG_PATTERN = r'^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$'
ETAG = {"type": "string", "pattern": ETAG_PATTERN}
NOT_EMPTY = {"type": "string", "minLength": 1}

# Beside the problems every endpoint may answer with (onestop.schema.problem_responses).
PROBLEMS = {(code, PROBLEM_CONTENT_TYPE): ProblemSerializer for code in (409, 412, 428)}
PROBLEM = ProblemSerializer


class DossierPage(StrictPageSize, CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-id"


@contextmanager
def refusals_as_problems(*, if_match=False):
    """The services' refusals as the HTTP answers the schema documents: a stale version is 412 when the caller
    sent If-Match, else 409; not permitted is 403; any other refusal 409."""
    try:
        yield
    except services.DossierChanged as changed:
        raise (PreconditionFailed if if_match else Conflict)(str(changed)) from changed
    except services.NotPermitted as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except services.DossierError as refusal:
        raise Conflict(str(refusal)) from refusal


def _action_view(name, path, serializer_class, take, label):
    """The endpoint POST /dossiers/{code}/<path>/ for one action: `take` calls its service with the validated
    body."""

    def act(self, request, code=None):
        dossier = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected, if_match = self._expected_version(request, serializer.validated_data)
        with refusals_as_problems(if_match=if_match):
            dossier = take(dossier=dossier, acting_user=request.user, expected_version=expected,
                           client_ip=client_ip(request), data=serializer.validated_data)
        return self._dossier_response(dossier)

    # The router maps the HTTP method to the function by its name, so it is named before it is decorated; the
    # schema's description goes on the action, as the outer decorator.
    act.__name__ = act.__qualname__ = name
    routed = action(detail=True, methods=["post"], url_path=path,
                    serializer_class=serializer_class)(act)
    asks_reason = "reason" in serializer_class().fields
    return extend_schema(
        request=serializer_class, responses={200: DossierDetailSerializer, **PROBLEMS}, summary=label,
        examples=[STALE_EXAMPLE, *([REASON_EXAMPLE] if asks_reason else [])],
        parameters=[OpenApiParameter("If-Match", ETAG, OpenApiParameter.HEADER,
                                     description="The dossier's ETag as last read (\"7\"); a stale one gets 412. "
                                                 "Without it, the body's `version` is required (428 otherwise).")],
    )(routed)


def _transition_view(transition):
    service = transitions.service(transition.name)

    def take(*, data, **common):
        return service(**common, **service_arguments(transition, data))

    return _action_view(transition.name, transition.path, action_serializer(transition), take, transition.label)


def _answer_view():
    def take(*, data, **common):
        return services.answer_consultation(**common, answer=data["answer"])

    return _action_view("answer_consultation", "answer-consultation", AnswerSerializer, take,
                        gettext_lazy("Answer for the consulted agency"))


@extend_schema_view(
    list=extend_schema(summary="Dossiers the caller may see, newest first", responses={200: DossierSerializer}),
    retrieve=extend_schema(summary="One dossier, with its ETag", responses={200: DossierDetailSerializer,
                                                                           **PROBLEMS}),
)
class DossierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dossiers by their code. Every write needs the dossier's current version (If-Match or `version`)."""

    permission_classes = [HasScope]
    scopes = {"list": "dossiers:read", "retrieve": "dossiers:read", "timeline": "dossiers:read",
              "create": "dossiers:file", "documents": "dossiers:file", "payments": "payments:record",
              **dict.fromkeys([*ACTIONS, "answer_consultation"], "dossiers:act")}
    pagination_class = DossierPage
    filterset_class = DossierFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    serializer_class = DossierSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dossier.objects.none()
        dossiers = selectors.api_dossiers(self.request.user).exclude(code__isnull=True)
        # A list shows no form: its JSON is left unread.
        return dossiers.defer("form_data") if self.action == "list" else dossiers

    def paginate_queryset(self, queryset):
        return selectors.with_catalogue(super().paginate_queryset(queryset))

    def get_serializer_class(self):
        return DossierDetailSerializer if self.action == "retrieve" else super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        return self._dossier_response(self.get_object())

    @extend_schema(request=FilingSerializer,
                   responses={201: DossierDetailSerializer, **PROBLEMS, (400, PROBLEM_CONTENT_TYPE): PROBLEM,
                              (422, PROBLEM_CONTENT_TYPE): PROBLEM},
                   summary="File a dossier: for a citizen (an integrated system), for a walk-in applicant (a "
                           "receiving officer) or for oneself (a citizen)",
                   parameters=[OpenApiParameter("Idempotency-Key", {"type": "string", "maxLength": 255},
                                                OpenApiParameter.HEADER,
                                                description="Any unique string; a retried request with the same "
                                                            "key returns the first answer and files nothing.")],
                   examples=[FILING_EXAMPLE, INVALID_FORM_EXAMPLE])
    def create(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise ParseError(_("The Idempotency-Key is at most 255 characters."))
        with transaction.atomic():
            if key:
                record, replay = _claim(request, key)
                if replay is not None:
                    return replay
            status_code, body = self._file(request)
            if key:
                record.response_status, record.response_body = status_code, body
                record.save(update_fields=["response_status", "response_body"])
        return _filed(request, status_code, body)

    def _file(self, request):
        serializer = FilingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        integrated = api_client(request) is not None
        if (integrated or staff_roles(request.user)) and not data.get("applicant"):
            raise serializers.ValidationError({"applicant": [_("Give whom the dossier is filed for.")]})
        with refusals_as_problems():
            dossier = services.file_dossier(
                procedure=data["procedure"], acting_user=request.user, applicant=data.get("applicant"),
                form_data=data["form"], commune=data.get("commune"), receiving_agency=data["receiving_agency"],
                result_delivery=data.get("result_delivery"), delivery_address=data["delivery_address"],
                uploads={document["order"]: as_file(document) for document in data["documents"]},
                integrated=integrated, client_ip=client_ip(request),
                national_sign_in_level=(national_sign_in_level(request) if isinstance(
                    request.successful_authenticator, SessionAuthentication) else 0))
        selectors.with_catalogue([dossier])
        return status.HTTP_201_CREATED, DossierDetailSerializer(dossier).data

    @extend_schema(request=AttachedDocumentSerializer, responses={200: DossierDetailSerializer, **PROBLEMS},
                   summary="Attach a document while the dossier waits for a supplement")
    @action(detail=True, methods=["post"], serializer_class=AttachedDocumentSerializer)
    def documents(self, request, code=None):
        dossier = self.get_object()
        upload = AttachedDocumentSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        with refusals_as_problems():
            services.attach_document(dossier=dossier, acting_user=request.user,
                                     document_order=upload.validated_data.get("order"),
                                     name=upload.validated_data["name"],
                                     upload=as_file(upload.validated_data), client_ip=client_ip(request))
        dossier.refresh_from_db()
        return self._dossier_response(dossier)

    @extend_schema(request=RecordPaymentSerializer,
                   responses={201: RecordedPaymentSerializer, 200: RecordedPaymentSerializer,
                              **{key: problem for key, problem in PROBLEMS.items() if key[0] != 428}},
                   summary="Record fees paid: online by the payment platform, or at the desk",
                   description="201 with the payment recorded; 200 with the first payment when the same method "
                               "and reference were already recorded with the same amount (a retried callback). "
                               "The dossier's version is optional here: a payment changes no state.",
                   parameters=[OpenApiParameter("If-Match", ETAG, OpenApiParameter.HEADER,
                                                description="Optional: the dossier's ETag as last read; a stale "
                                                            "one gets 412.")],
                   examples=[PAYMENT_EXAMPLE])
    @action(detail=True, methods=["post"], serializer_class=RecordPaymentSerializer)
    def payments(self, request, code=None):
        dossier = self.get_object()
        serializer = RecordPaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The platform's callback knows no version: a payment changes no state, so it is checked only when sent.
        if request.headers.get("If-Match", "").strip() or "version" in data:
            expected, if_match = self._expected_version(request, data)
        else:
            expected, if_match = None, False
        with refusals_as_problems(if_match=if_match):
            payment, created = payments.record_payment(
                dossier=dossier, acting_user=request.user, amount=data["amount"], method=data["method"],
                reference=data["reference"], paid_at=data.get("paid_at"), expected_version=expected,
                client_ip=client_ip(request))
        return Response(RecordedPaymentSerializer(payment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: TimelineEntrySerializer(many=True), **PROBLEMS},
                   summary="What happened to the dossier, oldest first")
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request, code=None):
        dossier = self.get_object()
        entries = AuditEntry.objects.filter(dossier=dossier).exclude(action="note").order_by("at", "id")
        if not staff_roles(request.user) and api_client(request) is None:
            # An applicant sees what the portal shows.
            entries = entries.filter(action__in=transitions.timeline_actions())
        return Response(TimelineEntrySerializer(entries, many=True).data)

    def _expected_version(self, request, data):
        if_match = request.headers.get("If-Match", "").strip()
        if if_match:
            if not re.fullmatch(ETAG_PATTERN, if_match):
                raise ParseError(_("If-Match must be the ETag the dossier was read with."))
            return int(if_match.removeprefix("W/").strip('"')), True
        if "version" in data:
            return data["version"], False
        raise PreconditionRequired(_("Send the version you read (If-Match, or version in the body)."))

    @staticmethod
    def _dossier_response(dossier):
        selectors.with_catalogue([dossier])
        response = Response(DossierDetailSerializer(dossier).data)
        response["ETag"] = f'"{dossier.version}"'
        return response


for _transition in ACTIONS.values():
    setattr(DossierViewSet, _transition.name, _transition_view(_transition))
DossierViewSet.answer_consultation = _answer_view()


def _claim(request, key):
    """The idempotency record for this caller and key, created now, or the stored answer to replay. A request
    with the same key while the first is still running waits for it (the row lock)."""
    digest = hashlib.sha256(json.dumps(request.data, sort_keys=True, default=str).encode()).hexdigest()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(owner=request.user, key=key, request_hash=digest)
        return record, None
    except IntegrityError:
        record = IdempotencyRecord.objects.select_for_update().get(owner=request.user, key=key)
    if record.request_hash != digest:
        raise UnprocessableEntity(_("This Idempotency-Key was used for a different request."))
    response = _filed(request, record.response_status, record.response_body)
    response["Idempotent-Replayed"] = "true"
    return record, response


def _filed(request, status_code, body):
    """The answer to a filing, first or replayed: the same body, Location and ETag."""
    response = Response(body, status=status_code)
    response["Location"] = f"{request.path}{body['code']}/"
    response["ETag"] = f'"{body["version"]}"'
    return response


class LookupView(APIView):
    """The public lookup's answer for an integrator or app: the status of a dossier whose code and applicant's
    phone (or last 4 digits of the identity number) match. Attempts count against the portal's lookup limits, per
    address and per dossier code, with its own attempts (429 once they are used up)."""

    permission_classes = [HasScope]
    scopes = {"get": "dossiers:read"}

    @extend_schema(summary="Look a dossier up by its code and the applicant's phone or the last 4 digits of "
                           "their identity number",
                   parameters=[OpenApiParameter("code", NOT_EMPTY, required=True),
                               OpenApiParameter("verifier", NOT_EMPTY, required=True)],
                   responses={200: LookupSerializer, **PROBLEMS})
    def get(self, request):
        code, verifier = request.query_params.get("code", ""), request.query_params.get("verifier", "")
        if not code or not verifier:
            raise ParseError(_("Give the code and the phone number or the last 4 digits of the identity number."))
        # One count with the portal's lookup form: the verifier is short, and guesses must not get a faster door.
        if not consume_lookup_attempt(request, code=code):
            raise Throttled(wait=60)
        dossier = selectors.find_for_lookup(code=code, verifier=verifier)
        if dossier is None:
            raise NotFound(_("No dossier has this code with this phone or identity number."))
        return Response(LookupSerializer(dossier).data)


class IndicatorsView(APIView):
    """The service indicators: public figures, read with the catalogue scope."""

    permission_classes = [HasScope]
    scopes = {"get": "catalogue:read"}

    @extend_schema(
        summary="Service indicators and their Decision 766 points for a period, for the province or one agency, "
                "commune, field or procedure, optionally grouped",
        parameters=[
            OpenApiParameter("period", {"type": "string", "pattern": r"^[0-9]{4}(-([Qq][1-4]|[0-9]{1,2}))?$"},
                             description="A year (2026), a quarter (2026-Q4) or a month (2026-10), from 2000 to "
                                         "2100; the current year when absent."),
            OpenApiParameter("first", OpenApiTypes.DATE, description="With `last`, any other span of at most "
                                                                     "three years."),
            OpenApiParameter("last", OpenApiTypes.DATE),
            OpenApiParameter("agency", str, description="An agency's electronic code."),
            OpenApiParameter("commune", str, description="A commune's official code."),
            OpenApiParameter("field", str, description="A field's code."),
            OpenApiParameter("procedure", str, description="A procedure's national code."),
            OpenApiParameter("by", str, enum=indicators.GROUPS,
                             description="One row per group; one row in all when absent."),
        ],
        responses={200: IndicatorReportSerializer, **PROBLEMS})
    def get(self, request):
        params = request.query_params
        by = params.get("by") or None
        query = IndicatorQuery({name: params.get(name, "") for name in
                                ("period", "first", "last", "agency", "commune", "field", "procedure")})
        if by is not None and by not in indicators.GROUPS:
            raise serializers.ValidationError({"by": [_("Group by one of: %(groups)s.")
                                                      % {"groups": ", ".join(indicators.GROUPS)}]})
        if not query.is_valid():
            raise serializers.ValidationError({name: [str(message) for message in messages]
                                               for name, messages in query.errors.items()})
        period = query.cleaned_data["period"]
        rows = indicators.report(period, by=by, **query.scope)
        codes = indicators.codes(by, [row.key for row in rows]) if by in indicators.GROUP_MODELS else {}
        return Response(IndicatorReportSerializer({
            "first": period.first, "last": period.last, "by": by,
            "rows": [{"key": self._key(by, row.key, codes), "label": row.label, "figures": row.figures.as_dict(),
                      "scores": scores.scorecard(row.figures)} for row in rows],
        }).data)

    @staticmethod
    def _key(by, key, codes):
        if key is None:
            return None
        if by == "month":
            return f"{key:%Y-%m}"
        if by == "day":
            return key.isoformat()
        return codes.get(key)
