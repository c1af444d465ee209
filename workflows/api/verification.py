"""POST /api/v1/verification/: the public verification page's answer for an app or another system."""

from allauth.core import ratelimit
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.paperwork.verification import MAX_BYTES, verify_upload

from .serializers import Base64Field, Base64FileSerializer, as_file


class DocumentToVerifySerializer(Base64FileSerializer):
    content = Base64Field(help_text=f"The PDF, base64-encoded, at most {MAX_BYTES // (1024 * 1024)} MB.")


class IssuedDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="slip, result (the signed result) or copy (its electronic copy)")
    title = serializers.CharField()
    dossier_code = serializers.CharField(source="dossier.code")
    agency = serializers.CharField(source="agency_name")
    issued_by = serializers.CharField(source="issuer_name", help_text="The officer whose act the document records")
    issued_at = serializers.DateTimeField()
    signer = serializers.CharField(source="signer_name", help_text="Who signed or sealed it, per the certificate")
    certificate_fingerprint = serializers.CharField(help_text="SHA-256 of the signer's certificate, hex")
    verification_url = serializers.SerializerMethodField()

    def get_verification_url(self, document) -> str:
        return self.context["request"].build_absolute_uri(reverse("paperwork:verified", args=[document.token]))


class SignatureSerializer(serializers.Serializer):
    signer_name = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    certificate_fingerprint = serializers.CharField(source="fingerprint")
    intact = serializers.BooleanField(help_text="The bytes it signed are unchanged")
    trusted = serializers.BooleanField(help_text="It holds: intact, by a certificate the province trusts, valid "
                                                 "and not revoked")
    problem = serializers.CharField(help_text="Why it does not hold; empty when it does")


class VerificationSerializer(serializers.Serializer):
    issued_by_onestop = serializers.BooleanField(source="issued")
    unchanged = serializers.BooleanField(help_text="Byte for byte the file OneStop issued")
    document = IssuedDocumentSerializer(allow_null=True, help_text="What OneStop issued that the file is, or "
                                                                   "claims to be; null when none")
    signatures = SignatureSerializer(many=True)


class VerificationView(APIView):
    """Anyone may ask, without a token, at the rate of the public verification page per address."""

    permission_classes = [AllowAny]

    @extend_schema(summary="Verify a PDF: was it issued by OneStop, for which dossier, by whom, and is it unchanged",
                   request=DocumentToVerifySerializer, responses={200: VerificationSerializer}, auth=[{}])
    def post(self, request):
        incoming = DocumentToVerifySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if not ratelimit.consume(request._request, action="document_verification"):
            raise Throttled(wait=60)
        try:
            verdict = verify_upload(as_file(incoming.validated_data))
        except DjangoValidationError as error:
            raise ValidationError({"content": error.messages}) from error
        return Response(VerificationSerializer(verdict, context={"request": request}).data)
