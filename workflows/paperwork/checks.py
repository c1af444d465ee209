"""Deploy checks of the signature settings (README: Signed results and sealed documents)."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def signature_settings(app_configs=None, **kwargs):
    problems = []
    if settings.RESULT_SIGNATURES_REQUIRED and not settings.RESULT_SIGNATURE_TRUST_ROOTS:
        problems.append(Warning(
            "Result signatures are required but no trust root is configured: every signed result will be refused.",
            hint="Set RESULT_SIGNATURE_TRUST_ROOTS to the province's root certificates (PEM or DER files).",
            id="paperwork.W001"))
    missing = [path for path in [*settings.RESULT_SIGNATURE_TRUST_ROOTS, *settings.RESULT_SIGNATURE_CRLS]
               if not Path(path).is_file()]
    if missing:
        problems.append(Warning(f"Signature trust roots or CRLs not found: {', '.join(missing)}.",
                                id="paperwork.W002"))
    module = settings.AGENCY_SEAL.get("PKCS11_MODULE")
    if module and not Path(module).is_file():
        problems.append(Warning(f"The PKCS#11 module of the agency's seal is not found: {module}.",
                                id="paperwork.W003"))
    return problems
