"""What a report covers: the province, or one agency, commune, field or procedure (or several of them at once), as
each source of the indicators selects it."""

from dataclasses import dataclass

from django.db.models import Q

from procedures.models import AdministrativeUnit, Agency, Field, Procedure


@dataclass(frozen=True)
class Scope:
    agency: Agency | None = None
    commune: AdministrativeUnit | None = None
    field: Field | None = None
    procedure: Procedure | None = None

    @property
    def key(self):
        """The scope in a cache key."""
        return ":".join(str(getattr(value, "pk", "")) for value in (self.agency, self.commune, self.field,
                                                                      self.procedure))

    def commune_agencies(self):
        """The commune-level agencies in scope: a commune's committee and service points, or the agency itself."""
        agencies = Agency.objects.filter(kind__in=Agency.COMMUNE_LEVEL_KINDS)
        if self.commune is not None:
            agencies = agencies.filter(unit=self.commune)
        if self.agency is not None:
            agencies = agencies.filter(pk=self.agency.pk)
        return agencies

    def tallies(self):
        scope = Q()
        if self.agency is not None:
            scope &= Q(agency=self.agency)
        if self.commune is not None:
            scope &= Q(agency__unit=self.commune, agency__kind__in=Agency.COMMUNE_LEVEL_KINDS)
        return scope & self._procedures()

    def dossiers(self):
        """A dossier belongs to its competent agency, or to its receiving agency when it was refused at receipt."""
        scope = Q()
        if self.agency is not None:
            scope &= Q(competent_agency=self.agency) | Q(competent_agency__isnull=True, receiving_agency=self.agency)
        if self.commune is not None:
            agencies = self.commune_agencies()
            scope &= (Q(competent_agency__in=agencies)
                      | Q(competent_agency__isnull=True, receiving_agency__in=agencies))
        return scope & self._procedures()

    def feedback(self, procedure):
        """Feedback belongs to the agency that answers it, and to the procedure the relation `procedure` reaches."""
        scope = Q()
        if self.agency is not None:
            scope &= Q(agency=self.agency)
        if self.commune is not None:
            scope &= Q(agency__in=self.commune_agencies())
        return scope & self._procedures(f"{procedure}__")

    def procedures(self):
        """The catalogue's procedures the scope answers for: an agency's own, or the commune-level ones its kind
        of commune agency settles; a commune's commune-level ones; a field's; one procedure."""
        procedures = Procedure.objects.filter(self._procedures(prefix=""))
        if self.agency is not None:
            procedures = procedures.filter(Q(competent_agency=self.agency)
                                           | Q(competent_agency_kind=self.agency.kind))
        if self.commune is not None:
            procedures = procedures.filter(
                competent_agency_kind__in=self.commune_agencies().values("kind"))
        return procedures

    def _procedures(self, prefix="procedure__"):
        scope = Q()
        if self.field is not None:
            scope &= Q(**{f"{prefix}field": self.field})
        if self.procedure is not None:
            scope &= Q(**{f"{prefix}pk": self.procedure.pk})
        return scope
