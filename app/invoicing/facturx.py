"""Factur-X: the invoice PDF as a PDF/A-3 carrying its Cross Industry Invoice XML (profile
EN 16931), ahead of the French e-invoicing of invoices between businesses.

- `cii_xml` says the invoice in CII: a credit note (TypeCode 381) carries positive amounts
  and the number of the invoice it cancels; VAT exempt (category E, article 261 C-1°-a of
  the CGI) or standard rated (S); the office's IBAN as payment means.
- `attach` embeds that XML into the reportlab PDF with the `factur-x` library, which writes
  the XMP metadata (PDF/A-3 identification, Factur-X extension schema) and the file
  specification (AFRelationship «Data»). It adds no output intent: `attach` adds an sRGB one,
  since the house style draws in DeviceRGB, which PDF/A allows only with one. Every font
  is embedded (the house style never lets reportlab select its unembedded Helvetica).

The electronic addresses (BT-34, BT-49: the SIREN, scheme 0225) and the «cadre de
facturation» S1 (BT-23) are what the French e-invoicing rules (BR-FR) add to EN 16931.
Imported only when a Factur-X is made: the library (with lxml, pypdf and requests) takes
≈ 0.15 s to import.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from decimal import Decimal
from pathlib import Path

import facturx
from lxml import etree
from PIL import ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from app.errors import DomainError
from app.invoicing.invoices import LATE_PENALTY, RECOVERY_INDEMNITY, PrintedInvoice
from app.office.company import legal_identity
from models.enums import InvoiceKind

LEVEL = "en16931"
GUIDELINE = "urn:cen.eu:en16931:2017"  # BT-24 of the EN 16931 profile
INVOICE, CREDIT_NOTE = "380", "381"  # UNTDID 1001
SIREN_SCHEME, SIRET_SCHEME = "0002", "0009"  # ISO 6523 ICD
SERVICES = "S1"  # French «cadre de facturation»: an invoice for services
ELECTRONIC_ADDRESS_SCHEME = "0225"  # the French directory's address: the SIREN
SEPA_CREDIT_TRANSFER = "58"  # UNTDID 4461
EXEMPTION_REASON = "Exonération art. 261 C-1°-a du CGI"
EXEMPTION_CODE = "VATEX-FR-CGI261C-1"  # CEF VATEX list: article 261 C 1° of the CGI
NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."

_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
# «12 rue X 75001 Paris»: the street, then a French postal code and the city.
_POSTAL_TAIL = re.compile(r"^(?P<street>.*?)[\s,]*\b(?P<code>\d{5})\s+(?P<city>\D.*)$")


def cii_xml(data: PrintedInvoice, credited_on: dt.date | None = None) -> bytes:
    """The invoice (or credit note) in Cross Industry Invoice XML, profile EN 16931.
    `credited_on`: for a credit note, the date of the invoice it cancels (BT-26: optional in
    EN 16931, required by the French rules, BR-FR-CO-05).

    Raises DomainError when the office lacks what the standard requires (its VAT number,
    rules BR-S-02 / BR-E-02), ValueError on amounts that do not add up (a bug upstream)."""
    if data.kind is InvoiceKind.REBATE:
        # Self-billed (TypeCode 389), the apporteur as seller: not made here.
        raise ValueError("A rebate is self-billed: no Factur-X is made for it.")
    company = data.company
    if not company.vat_number:
        raise DomainError(
            "Factur-X : renseignez le numéro de TVA intracommunautaire de la société "
            "(exigé par la norme EN 16931, même pour une facture exonérée).",
            "vat_number",
        )
    credit_note = bool(data.credit_note_of)
    sign = -1 if credit_note else 1
    basis, tax, total = (sign * c for c in (data.amount_cents, data.vat_cents, data.total_cents))
    if basis <= 0 or tax < 0 or basis + tax != total:
        raise ValueError(
            f"Amounts of {data.number} do not add up: {data.amount_cents} + "
            f"{data.vat_cents} != {data.total_cents} (credit note: {credit_note})."
        )
    if data.vat_rate_bp == 0 and tax:
        raise ValueError(f"{data.number}: VAT at a rate of 0.")

    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=_NS)
    context = _sub(root, "rsm", "ExchangedDocumentContext")
    process = _sub(context, "ram", "BusinessProcessSpecifiedDocumentContextParameter")
    _sub(process, "ram", "ID", SERVICES)  # BT-23, as the French rules ask
    _sub(_sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", GUIDELINE)

    document = _sub(root, "rsm", "ExchangedDocument")
    _sub(document, "ram", "ID", data.number)
    _sub(document, "ram", "TypeCode", CREDIT_NOTE if credit_note else INVOICE)
    _date(_sub(document, "ram", "IssueDateTime"), data.issued_on)
    # UNTDID 4451 subjects; AAB, PMD and PMT are required by the French rules (BR-FR-05).
    notes = [("AAB", NO_DISCOUNT), ("PMD", LATE_PENALTY)]
    if data.recipient_is_business:
        notes.append(("PMT", RECOVERY_INDEMNITY))
    if company.orias_number:
        notes.append(("REG", f"ORIAS n° {company.orias_number} (www.orias.fr)"))
    for subject, content in notes:
        note = _sub(document, "ram", "IncludedNote")
        _sub(note, "ram", "Content", content)
        _sub(note, "ram", "SubjectCode", subject)

    transaction = _sub(root, "rsm", "SupplyChainTradeTransaction")
    line = _sub(transaction, "ram", "IncludedSupplyChainTradeLineItem")
    _sub(_sub(line, "ram", "AssociatedDocumentLineDocument"), "ram", "LineID", "1")
    _sub(_sub(line, "ram", "SpecifiedTradeProduct"), "ram", "Name", data.description)
    price = _sub(
        _sub(line, "ram", "SpecifiedLineTradeAgreement"), "ram", "NetPriceProductTradePrice"
    )
    _sub(price, "ram", "ChargeAmount", _amount(basis))
    quantity = _sub(_sub(line, "ram", "SpecifiedLineTradeDelivery"), "ram", "BilledQuantity", "1")
    quantity.set("unitCode", "C62")  # «one», UN/ECE recommendation 20
    line_settlement = _sub(line, "ram", "SpecifiedLineTradeSettlement")
    line_tax = _sub(line_settlement, "ram", "ApplicableTradeTax")
    _sub(line_tax, "ram", "TypeCode", "VAT")
    _sub(line_tax, "ram", "CategoryCode", _category(data.vat_rate_bp))
    _sub(line_tax, "ram", "RateApplicablePercent", _percent(data.vat_rate_bp))
    line_sum = _sub(line_settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(line_sum, "ram", "LineTotalAmount", _amount(basis))

    agreement = _sub(transaction, "ram", "ApplicableHeaderTradeAgreement")
    seller = _sub(agreement, "ram", "SellerTradeParty")
    _sub(seller, "ram", "Name", company.name or "Cabinet de courtage")
    if legal_identity(company):
        _sub(seller, "ram", "Description", legal_identity(company))  # BT-33
    if company.siren:
        _legal_id(seller, company.siren)
    _address(seller, company.address, company.postal_code, company.city)
    if company.siren:
        _electronic_address(seller, company.siren)
    registration = _sub(seller, "ram", "SpecifiedTaxRegistration")
    _sub(registration, "ram", "ID", company.vat_number).set("schemeID", "VA")

    buyer = _sub(agreement, "ram", "BuyerTradeParty")
    siret = data.recipient_siren if len(data.recipient_siren) == 14 else ""
    if siret:  # BT-46: the establishment; its first 9 digits are the company's SIREN
        _sub(buyer, "ram", "GlobalID", siret).set("schemeID", SIRET_SCHEME)
    _sub(buyer, "ram", "Name", data.recipient_name)
    siren = data.recipient_siren[:9]
    if siren:
        _legal_id(buyer, siren)
    street, postal_code, city = split_address(data.recipient_address)
    _address(buyer, street, postal_code, city)
    if siren:
        _electronic_address(buyer, siren)

    delivery = _sub(transaction, "ram", "ApplicableHeaderTradeDelivery")
    if data.service_on is not None:
        event = _sub(delivery, "ram", "ActualDeliverySupplyChainEvent")
        _date(_sub(event, "ram", "OccurrenceDateTime"), data.service_on)

    settlement = _sub(transaction, "ram", "ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram", "InvoiceCurrencyCode", "EUR")
    if company.iban and not credit_note:
        means = _sub(settlement, "ram", "SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram", "TypeCode", SEPA_CREDIT_TRANSFER)
        account = _sub(means, "ram", "PayeePartyCreditorFinancialAccount")
        _sub(account, "ram", "IBANID", company.iban.replace(" ", ""))
        if company.bic:
            institution = _sub(means, "ram", "PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, "ram", "BICID", company.bic)
    breakdown = _sub(settlement, "ram", "ApplicableTradeTax")
    _sub(breakdown, "ram", "CalculatedAmount", _amount(tax))
    _sub(breakdown, "ram", "TypeCode", "VAT")
    if data.vat_rate_bp == 0:
        _sub(breakdown, "ram", "ExemptionReason", EXEMPTION_REASON)
    _sub(breakdown, "ram", "BasisAmount", _amount(basis))
    _sub(breakdown, "ram", "CategoryCode", _category(data.vat_rate_bp))
    if data.vat_rate_bp == 0:
        _sub(breakdown, "ram", "ExemptionReasonCode", EXEMPTION_CODE)
    _sub(breakdown, "ram", "RateApplicablePercent", _percent(data.vat_rate_bp))
    terms = _sub(settlement, "ram", "SpecifiedTradePaymentTerms")
    if credit_note:  # BR-CO-25: a positive amount due needs a due date or payment terms
        _sub(terms, "ram", "Description", f"Avoir sur la facture {data.credit_note_of}.")
    elif data.due_on is not None:
        _date(_sub(terms, "ram", "DueDateDateTime"), data.due_on)
    else:
        _sub(terms, "ram", "Description", "Payable à réception.")
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _amount(basis))
    _sub(summation, "ram", "TaxBasisTotalAmount", _amount(basis))
    _sub(summation, "ram", "TaxTotalAmount", _amount(tax)).set("currencyID", "EUR")
    _sub(summation, "ram", "GrandTotalAmount", _amount(total))
    _sub(summation, "ram", "DuePayableAmount", _amount(total))
    if credit_note:
        cancelled = _sub(settlement, "ram", "InvoiceReferencedDocument")
        _sub(cancelled, "ram", "IssuerAssignedID", data.credit_note_of)
        if credited_on is not None:
            issued = _sub(cancelled, "ram", "FormattedIssueDateTime")
            _sub(issued, "qdt", "DateTimeString", f"{credited_on:%Y%m%d}").set("format", "102")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def attach(pdf: Path, xml: bytes, target: Path) -> None:
    """Write to `target` the PDF `pdf` made a Factur-X (PDF/A-3b, profile EN 16931) that
    carries `xml`, checked against the profile's XML schema first (an invalid one raises)."""
    writer = PdfWriter(clone_from=PdfReader(pdf))
    info = writer.metadata  # reportlab's: the invoice's title, the office as author
    title = str(info.get("/Title", "")) if info else ""
    author = str(info.get("/Author", "")) if info else ""
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject(
        [writer._add_object(_srgb_intent(writer))]
    )
    # The Info dictionary as the library's XMP has it: reportlab's /Trapped and /Producer go
    # (its XMP says pdf:Producer «pypdf»); the library writes the other entries.
    writer.metadata = {"/Producer": "pypdf"}
    source = io.BytesIO()
    writer.write(source)
    source.seek(0)
    # generate_from_file with an output path, not generate_from_binary: that one (7.8) writes
    # the new PDF into its temporary file after the old one's bytes, and returns both.
    facturx.generate_from_file(
        source,
        xml,
        flavor="factur-x",
        level=LEVEL,
        check_xsd=True,
        pdf_metadata={
            "author": author,
            "title": title,
            "subject": f"Factur-X {LEVEL.upper()} : {title}" if title else "Factur-X",
            "keywords": "",  # the XMP has no pdf:Keywords
        },
        lang="fr-FR",
        output_pdf_file=os.fspath(target),
    )


def split_address(address: str) -> tuple[str, str, str]:
    """«12 rue X 75001 Paris» → («12 rue X», «75001», «Paris»); an address without a
    French postal code and city at its end stays whole, as the street."""
    match = _POSTAL_TAIL.match(" ".join(address.split()))
    if match is None:
        return " ".join(address.split()), "", ""
    return match["street"].rstrip(" ,"), match["code"], match["city"].strip()


def _srgb_intent(writer: PdfWriter) -> DictionaryObject:
    """The PDF/A output intent: sRGB, the colour space the house style means."""
    profile = DecodedStreamObject()
    profile.set_data(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[NameObject("/N")] = NumberObject(3)
    profile_ref = writer._add_object(profile.flate_encode())
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): profile_ref,
        }
    )


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _sub(parent: etree._Element, prefix: str, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(prefix, name))
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, day: dt.date) -> None:
    stamp = _sub(parent, "udt", "DateTimeString", f"{day:%Y%m%d}")
    stamp.set("format", "102")


def _legal_id(party: etree._Element, siren: str) -> None:
    organization = _sub(party, "ram", "SpecifiedLegalOrganization")
    _sub(organization, "ram", "ID", siren).set("schemeID", SIREN_SCHEME)


def _electronic_address(party: etree._Element, siren: str) -> None:
    """BT-34 / BT-49: where the invoice is sent; the SIREN is the directory's base address."""
    communication = _sub(party, "ram", "URIUniversalCommunication")
    _sub(communication, "ram", "URIID", siren).set("schemeID", ELECTRONIC_ADDRESS_SCHEME)


def _address(party: etree._Element, street: str, postal_code: str, city: str) -> None:
    address = _sub(party, "ram", "PostalTradeAddress")
    if postal_code:
        _sub(address, "ram", "PostcodeCode", postal_code)
    if street:
        _sub(address, "ram", "LineOne", street)
    if city:
        _sub(address, "ram", "CityName", city)
    _sub(address, "ram", "CountryID", "FR")


def _category(rate_bp: int) -> str:
    return "E" if rate_bp == 0 else "S"  # UNTDID 5305: exempt, standard rate


def _percent(rate_bp: int) -> str:
    return str(Decimal(rate_bp).scaleb(-2))  # 2000 → «20.00»


def _amount(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2))  # 120000 → «1200.00»
