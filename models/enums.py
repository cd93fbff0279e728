"""Domain enumerations. Plain Python: importing this module never imports SQLAlchemy."""

from __future__ import annotations

import enum


class DossierStatus(enum.StrEnum):
    """Where a dossier stands commercially."""

    PROSPECT = "prospect"
    CLIENT = "client"
    ABANDONED = "abandoned"

    @property
    def label(self) -> str:
        return {"prospect": "Prospect", "client": "Client", "abandoned": "Abandonné"}[self.value]


class AbandonReason(enum.StrEnum):
    """The reasons a broker may give when abandoning a dossier."""

    PROJECT_ABANDONED = "project_abandoned"
    OWN_BANK = "own_bank"
    COMPETITION = "competition"
    BANK_REFUSAL = "bank_refusal"
    DEBT_RATIO = "debt_ratio"
    OVER_INDEBTEDNESS = "over_indebtedness"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ABANDON_LABELS[self]


_ABANDON_LABELS = {
    AbandonReason.PROJECT_ABANDONED: "Abandon projet",
    AbandonReason.OWN_BANK: "Banque perso",
    AbandonReason.COMPETITION: "Concurrence",
    AbandonReason.BANK_REFUSAL: "Refus banque",
    AbandonReason.DEBT_RATIO: "Endettement",
    AbandonReason.OVER_INDEBTEDNESS: "Surendettement",
    AbandonReason.OTHER: "Autre",
}


class SimulationStatus(enum.StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    SENT_TO_BANK = "sent_to_bank"
    BANK_ACCEPTED = "bank_accepted"
    BANK_REFUSED = "bank_refused"
    CLIENT_VALIDATED = "client_validated"  # at most one per dossier

    @property
    def label(self) -> str:
        return {
            "draft": "Brouillon",
            "proposed": "Proposée",
            "sent_to_bank": "Envoyée banque",
            "bank_accepted": "Acceptée banque",
            "bank_refused": "Refusée banque",
            "client_validated": "Validée client",
        }[self.value]


class Guarantee(enum.StrEnum):
    """What guarantees the loan for the bank."""

    CREDIT_LOGEMENT = "credit_logement"
    CASDEN = "casden"
    MGEN = "mgen"
    MORTGAGE = "mortgage"
    PPD = "ppd"

    @property
    def label(self) -> str:
        return {
            "credit_logement": "Crédit Logement",
            "casden": "CASDEN",
            "mgen": "MGEN",
            "mortgage": "Hypothèque",
            "ppd": "Privilège de prêteur de deniers (PPD)",
        }[self.value]


class RentalMethod(enum.StrEnum):
    """How a bank counts the rents of a property that is let."""

    CLASSIC = "classic"  # 70 % of the rents in income, the property's loan in charges
    DIFFERENTIAL = "differential"  # 70 % of the rents minus the property's loan, net

    @property
    def label(self) -> str:
        return {"classic": "Classique", "differential": "Différentiel"}[self.value]


class UsuryCategory(enum.StrEnum):
    """The categories of the Banque de France's usury rates for real-estate loans."""

    FIXED_UNDER_10 = "fixed_under_10"
    FIXED_10_TO_20 = "fixed_10_to_20"
    FIXED_20_AND_MORE = "fixed_20_and_more"
    VARIABLE = "variable"
    BRIDGE = "bridge"

    @property
    def label(self) -> str:
        return {
            "fixed_under_10": "Taux fixe, moins de 10 ans",
            "fixed_10_to_20": "Taux fixe, 10 à 20 ans",
            "fixed_20_and_more": "Taux fixe, 20 ans et plus",
            "variable": "Taux variable",
            "bridge": "Prêt relais",
        }[self.value]


class LineKind(enum.StrEnum):
    """The kind of a loan line of a simulation."""

    AMORTIZING = "amortizing"
    PTZ = "ptz"
    BRIDGE = "bridge"
    IN_FINE = "in_fine"
    EMPLOYER = "employer"
    CAPPED_VARIABLE = "capped_variable"

    @property
    def label(self) -> str:
        return {
            "amortizing": "Amortissable à taux fixe",
            "ptz": "Prêt à taux zéro (PTZ)",
            "bridge": "Prêt relais",
            "in_fine": "Prêt in fine",
            "employer": "Prêt employeur / Action Logement",
            "capped_variable": "Taux variable capé",
        }[self.value]

    @property
    def repays_at_the_end(self) -> bool:
        """Interest only each month, the capital at the last one."""
        return self in (LineKind.BRIDGE, LineKind.IN_FINE)


class Deferral(enum.StrEnum):
    """«Différé»: months at the start without repaying capital."""

    NONE = "none"
    PARTIAL = "partial"  # interest (and insurance) paid
    TOTAL = "total"  # nothing but insurance paid: the interest is added to the capital

    @property
    def label(self) -> str:
        return {"none": "Aucun", "partial": "Partiel", "total": "Total"}[self.value]


class InsuranceBase(enum.StrEnum):
    """How a borrower's insurance premium is computed."""

    INITIAL = "initial"  # a rate of the capital borrowed: the same premium every month
    REMAINING = "remaining"  # a rate of the capital still due: it decreases
    FIXED = "fixed"  # a fixed monthly premium (delegated insurance)

    @property
    def label(self) -> str:
        return {
            "initial": "Taux sur le capital initial",
            "remaining": "Taux sur le capital restant dû",
            "fixed": "Prime mensuelle fixe",
        }[self.value]


class ReferrerKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class Right(enum.StrEnum):
    """What a role allows. Every right is checked in `app/`, never only by hiding a button."""

    VIEW_ALL_DOSSIERS = "view_all_dossiers"
    EDIT_ALL_DOSSIERS = "edit_all_dossiers"
    CREATE_DOSSIER = "create_dossier"
    RENUMBER_DOSSIER = "renumber_dossier"
    CHANGE_OWNER = "change_owner"
    DELETE_DOSSIER = "delete_dossier"
    ABANDON_RESUME = "abandon_resume"
    INVOICE = "invoice"
    EXPORT_C1 = "export_c1"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_USERS = "manage_users"
    BACKUP_RESTORE = "backup_restore"
    PERSONAL_DATA = "personal_data"

    @property
    def label(self) -> str:
        return _RIGHT_LABELS[self]


_RIGHT_LABELS = {
    Right.VIEW_ALL_DOSSIERS: "Voir tous les dossiers",
    Right.EDIT_ALL_DOSSIERS: "Modifier tous les dossiers",
    Right.CREATE_DOSSIER: "Créer un dossier",
    Right.RENUMBER_DOSSIER: "Modifier le numéro de dossier",
    Right.CHANGE_OWNER: "Changer le propriétaire",
    Right.DELETE_DOSSIER: "Supprimer un dossier",
    Right.ABANDON_RESUME: "Abandonner / reprendre",
    Right.INVOICE: "Facturer",
    Right.EXPORT_C1: "Exporter C1",
    Right.MANAGE_SETTINGS: "Gérer les paramètres",
    Right.MANAGE_USERS: "Gérer les utilisateurs",
    Right.BACKUP_RESTORE: "Sauvegarder et restaurer",
    Right.PERSONAL_DATA: "Données personnelles (RGPD)",
}


class AuditAction(enum.StrEnum):
    DOSSIER_CREATED = "dossier_created"
    DOSSIER_ABANDONED = "dossier_abandoned"
    DOSSIER_RESUMED = "dossier_resumed"
    DOSSIER_DELETED = "dossier_deleted"
    DOSSIER_RENUMBERED = "dossier_renumbered"
    OWNER_CHANGED = "owner_changed"
    PROVENANCE_CHANGED = "provenance_changed"
    STATUS_CHANGED = "status_changed"
    USER_CREATED = "user_created"
    LOGIN_FAILED = "login_failed"
    STEPS_CHANGED = "steps_changed"
    AUDIT_EXPORTED = "audit_exported"
    USER_CHANGED = "user_changed"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    SETTINGS_CHANGED = "settings_changed"
    BACKUP_EXPORTED = "backup_exported"
    BACKUP_RESTORED = "backup_restored"
    PERSON_EXPORTED = "person_exported"
    PERSON_ERASED = "person_erased"
    DOSSIER_PURGED = "dossier_purged"
    DOCUMENTS_ADDED = "documents_added"
    DOCUMENT_DELETED = "document_deleted"
    INVOICE_ISSUED = "invoice_issued"
    CREDIT_NOTE_ISSUED = "credit_note_issued"
    PAYMENT_RECORDED = "payment_recorded"
    C1_EXPORTED = "c1_exported"
    ENCRYPTION_CHANGED = "encryption_changed"
    OFFICE_MIGRATED = "office_migrated"
    DOSSIERS_CARRIED = "dossiers_carried"
    DOSSIERS_RETURNED = "dossiers_returned"
    CARRY_FORCED_BACK = "carry_forced_back"
    CARRY_CONFLICT = "carry_conflict"

    @property
    def label(self) -> str:
        return _AUDIT_LABELS[self]


_AUDIT_LABELS = {
    AuditAction.DOSSIER_CREATED: "Création de dossier",
    AuditAction.DOSSIER_ABANDONED: "Abandon",
    AuditAction.DOSSIER_RESUMED: "Reprise",
    AuditAction.DOSSIER_DELETED: "Suppression",
    AuditAction.DOSSIER_RENUMBERED: "Changement de numéro",
    AuditAction.OWNER_CHANGED: "Changement de courtier",
    AuditAction.PROVENANCE_CHANGED: "Changement de provenance",
    AuditAction.STATUS_CHANGED: "Changement de statut",
    AuditAction.USER_CREATED: "Création d'utilisateur",
    AuditAction.LOGIN_FAILED: "Connexion refusée",
    AuditAction.STEPS_CHANGED: "Étapes du pipeline modifiées",
    AuditAction.AUDIT_EXPORTED: "Export du journal d'audit",
    AuditAction.USER_CHANGED: "Utilisateur modifié",
    AuditAction.PASSWORD_RESET: "Mot de passe réinitialisé",
    AuditAction.PASSWORD_CHANGED: "Mot de passe changé",
    AuditAction.SETTINGS_CHANGED: "Paramètres modifiés",
    AuditAction.BACKUP_EXPORTED: "Sauvegarde vers un dossier",
    AuditAction.BACKUP_RESTORED: "Restauration d'une sauvegarde",
    AuditAction.PERSON_EXPORTED: "Export des données d'une personne",
    AuditAction.PERSON_ERASED: "Effacement d'une personne",
    AuditAction.DOSSIER_PURGED: "Purge d'un dossier abandonné",
    AuditAction.DOCUMENTS_ADDED: "Documents joints",
    AuditAction.DOCUMENT_DELETED: "Document supprimé",
    AuditAction.INVOICE_ISSUED: "Facture émise",
    AuditAction.CREDIT_NOTE_ISSUED: "Avoir émis",
    AuditAction.PAYMENT_RECORDED: "Règlement enregistré",
    AuditAction.C1_EXPORTED: "Export C1",
    AuditAction.ENCRYPTION_CHANGED: "Chiffrement des données",
    AuditAction.OFFICE_MIGRATED: "Migration vers le serveur",
    AuditAction.DOSSIERS_CARRIED: "Dossiers emportés",
    AuditAction.DOSSIERS_RETURNED: "Dossiers rapportés",
    AuditAction.CARRY_FORCED_BACK: "Retour forcé de dossiers emportés",
    AuditAction.CARRY_CONFLICT: "Conflit au retour d'un dossier emporté",
}


class DossierTab(enum.StrEnum):
    """The dossier's tabs that carry comments."""

    GENERAL = "general"
    BORROWERS = "borrowers"
    CHILDREN = "children"
    PROJECT = "project"
    CREDIT = "credit"
    ASSETS = "assets"

    @property
    def label(self) -> str:
        return {
            "general": "Général",
            "borrowers": "Emprunteurs",
            "children": "Enfants",
            "project": "Projet",
            "credit": "Crédit",
            "assets": "Patrimoine",
        }[self.value]


class MaritalStatus(enum.StrEnum):
    SINGLE = "single"
    MARRIED = "married"
    PACS = "pacs"
    COHABITING = "cohabiting"
    DIVORCED = "divorced"
    SEPARATED = "separated"
    WIDOWED = "widowed"

    @property
    def label(self) -> str:
        return {
            "single": "Célibataire",
            "married": "Marié(e)",
            "pacs": "Pacsé(e)",
            "cohabiting": "En concubinage",
            "divorced": "Divorcé(e)",
            "separated": "Séparé(e)",
            "widowed": "Veuf / veuve",
        }[self.value]


class MatrimonialRegime(enum.StrEnum):
    COMMUNITY = "community"
    SEPARATION = "separation"
    UNIVERSAL = "universal"
    PARTICIPATION = "participation"

    @property
    def label(self) -> str:
        return {
            "community": "Communauté réduite aux acquêts",
            "separation": "Séparation de biens",
            "universal": "Communauté universelle",
            "participation": "Participation aux acquêts",
        }[self.value]


class Contract(enum.StrEnum):
    CDI = "cdi"
    CDI_TRIAL = "cdi_trial"
    CDD = "cdd"
    INTERIM = "interim"
    CIVIL_SERVANT = "civil_servant"
    SELF_EMPLOYED = "self_employed"
    COMPANY_HEAD = "company_head"
    RETIRED = "retired"
    UNEMPLOYED = "unemployed"
    STUDENT = "student"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "cdi": "CDI",
            "cdi_trial": "CDI en période d'essai",
            "cdd": "CDD",
            "interim": "Intérim",
            "civil_servant": "Fonctionnaire",
            "self_employed": "Indépendant / profession libérale",
            "company_head": "Chef d'entreprise",
            "retired": "Retraité(e)",
            "unemployed": "Sans emploi",
            "student": "Étudiant(e)",
            "other": "Autre",
        }[self.value]


class ProjectNature(enum.StrEnum):
    EXISTING = "existing"
    NEW_BUILD = "new_build"
    CONSTRUCTION = "construction"
    LAND = "land"
    WORKS = "works"
    BUYBACK = "buyback"

    @property
    def label(self) -> str:
        return {
            "existing": "Achat dans l'ancien",
            "new_build": "Achat dans le neuf / VEFA",
            "construction": "Construction (terrain et maison)",
            "land": "Terrain seul",
            "works": "Travaux",
            "buyback": "Rachat de crédits",
        }[self.value]


class ProjectUse(enum.StrEnum):
    MAIN_HOME = "main_home"
    SECOND_HOME = "second_home"
    RENTAL = "rental"

    @property
    def label(self) -> str:
        return {
            "main_home": "Résidence principale",
            "second_home": "Résidence secondaire",
            "rental": "Investissement locatif",
        }[self.value]


class LoanKind(enum.StrEnum):
    MORTGAGE = "mortgage"
    # A loan on a let property: its payments are netted against the rents when the bank
    # counts them «en différentiel».
    RENTAL_MORTGAGE = "rental_mortgage"
    CONSUMER = "consumer"
    CAR = "car"
    REVOLVING = "revolving"
    STUDENT = "student"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "mortgage": "Prêt immobilier",
            "rental_mortgage": "Prêt immobilier locatif",
            "consumer": "Prêt personnel",
            "car": "Crédit auto / LOA",
            "revolving": "Crédit renouvelable",
            "student": "Prêt étudiant",
            "other": "Autre",
        }[self.value]


class ChargeKind(enum.StrEnum):
    RENT = "rent"
    ALIMONY = "alimony"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"rent": "Loyer", "alimony": "Pension alimentaire versée", "other": "Autre charge"}[
            self.value
        ]


class SavingsKind(enum.StrEnum):
    LIVRET = "livret"
    PEL = "pel"
    LIFE_INSURANCE = "life_insurance"
    PEA = "pea"
    SECURITIES = "securities"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "livret": "Livrets (A, LDDS…)",
            "pel": "PEL / CEL",
            "life_insurance": "Assurance-vie",
            "pea": "PEA",
            "securities": "Compte-titres",
            "other": "Autre",
        }[self.value]


class DocumentFolder(enum.StrEnum):
    """The folders of a dossier's «Documents» tab."""

    SUPPORTING = "supporting"
    IOBSP = "iobsp"
    REQUESTS = "requests"
    OFFERS = "offers"
    INVOICES = "invoices"
    MISC = "misc"

    @property
    def label(self) -> str:
        return {
            "supporting": "Pièces justificatives",
            "iobsp": "Documents IOBSP",
            "requests": "Demandes de prêt et simulations",
            "offers": "Offres de prêt",
            "invoices": "Factures",
            "misc": "Divers",
        }[self.value]


class RequirementRule(enum.StrEnum):
    """When a supporting document of the office's list is asked of a dossier."""

    ONCE = "once"
    PER_BORROWER = "per_borrower"
    PER_EMPLOYEE = "per_employee"
    PER_SELF_EMPLOYED = "per_self_employed"
    PER_RETIRED = "per_retired"
    PER_LANDLORD = "per_landlord"
    CONTRIBUTION = "contribution"
    BUY_BACK = "buy_back"
    PURCHASE = "purchase"
    NEW_BUILD = "new_build"
    CONSTRUCTION = "construction"
    WORKS = "works"

    @property
    def label(self) -> str:
        return {
            "once": "Une fois par dossier",
            "per_borrower": "Pour chaque emprunteur",
            "per_employee": "Pour chaque emprunteur salarié ou fonctionnaire",
            "per_self_employed": "Pour chaque emprunteur indépendant ou chef d'entreprise",
            "per_retired": "Pour chaque emprunteur retraité",
            "per_landlord": "Pour chaque emprunteur qui perçoit des loyers",
            "contribution": "Si le projet a un apport",
            "buy_back": "Si un prêt en cours est à racheter",
            "purchase": "Si le projet est un achat dans l'ancien, d'un terrain ou une construction",
            "new_build": "Si le projet est un achat dans le neuf (VEFA)",
            "construction": "Si le projet est une construction",
            "works": "Si le projet comprend des travaux",
        }[self.value]

    @property
    def per_borrower(self) -> bool:
        return self.value.startswith("per_")


class SubmissionStatus(enum.StrEnum):
    """Where a dossier stands with one bank."""

    PREPARED = "prepared"
    SENT = "sent"
    STUDYING = "studying"
    AGREEMENT = "agreement"
    REFUSED = "refused"
    OFFER_ISSUED = "offer_issued"
    OFFER_ACCEPTED = "offer_accepted"

    @property
    def label(self) -> str:
        return {
            "prepared": "Préparée",
            "sent": "Envoyée",
            "studying": "En étude",
            "agreement": "Accord de principe",
            "refused": "Refus",
            "offer_issued": "Offre émise",
            "offer_accepted": "Offre acceptée",
        }[self.value]

    @property
    def answered(self) -> bool:
        """The bank has given its answer (a date of answer is expected)."""
        return self in (
            SubmissionStatus.AGREEMENT,
            SubmissionStatus.REFUSED,
            SubmissionStatus.OFFER_ISSUED,
            SubmissionStatus.OFFER_ACCEPTED,
        )


class InvoiceKind(enum.StrEnum):
    FEES = "fees"
    BANK_COMMISSION = "bank_commission"
    REBATE = "rebate"

    @property
    def label(self) -> str:
        return {
            "fees": "Honoraires",
            "bank_commission": "Commission bancaire",
            "rebate": "Ristourne",
        }[self.value]


class InvoiceState(enum.StrEnum):
    """What is stored; paid, partly paid and late are computed from payments and dates."""

    DRAFT = "draft"
    ISSUED = "issued"
    CANCELLED = "cancelled"  # wholly credited


class PaymentMeans(enum.StrEnum):
    TRANSFER = "transfer"
    CHEQUE = "cheque"
    DIRECT_DEBIT = "direct_debit"
    CARD = "card"
    CASH = "cash"

    @property
    def label(self) -> str:
        return {
            "transfer": "Virement",
            "cheque": "Chèque",
            "direct_debit": "Prélèvement",
            "card": "Carte bancaire",
            "cash": "Espèces",
        }[self.value]
