# ruff: noqa: E501, RUF001  (demo texts in four languages: long sentences, Swiss price dashes)
"""Demo catalogue: categories by life situation and services of Kanton Demo and Stadt Demo.

Used by ``manage.py load_demo`` (idempotent: everything is upserted by slug)."""

from __future__ import annotations

from typing import Any

from guichet.catalogue.models import Category, Service
from guichet.catalogue.services import category_upsert, service_upsert
from guichet.core.models import Authority


def _t(de: str, fr: str, it: str, en: str) -> dict[str, str]:
    return {"de": de, "fr": fr, "it": it, "en": en}


CATEGORIES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    (
        "moving",
        _t("Umzug und Wohnen", "Déménagement et logement", "Trasloco e alloggio", "Moving and housing"),
        _t(
            "Zuzug, Wegzug, Adresse",
            "Arrivée, départ, adresse",
            "Arrivo, partenza, indirizzo",
            "Arrival, departure, address",
        ),
    ),
    (
        "family",
        _t("Familie und Personenstand", "Famille et état civil", "Famiglia e stato civile", "Family and civil status"),
        _t(
            "Ausweise, Heimatort, Bestätigungen",
            "Documents, lieu d'origine, attestations",
            "Documenti, luogo d'origine, attestazioni",
            "Documents, place of origin, confirmations",
        ),
    ),
    (
        "vehicles",
        _t("Fahrzeuge und Verkehr", "Véhicules et circulation", "Veicoli e traffico", "Vehicles and traffic"),
        _t("Parkieren, Bewilligungen", "Stationnement, autorisations", "Parcheggio, permessi", "Parking, permits"),
    ),
    (
        "business",
        _t("Wirtschaft und Gewerbe", "Économie et entreprises", "Economia e imprese", "Business"),
        _t(
            "Gründung, Register, Auszüge",
            "Création, registres, extraits",
            "Costituzione, registri, estratti",
            "Founding, registers, extracts",
        ),
    ),
    (
        "building",
        _t("Bauen", "Construire", "Costruire", "Building"),
        _t(
            "Baugesuch, Voranfrage",
            "Permis de construire, demande préalable",
            "Licenza edilizia, domanda preliminare",
            "Building permit, pre-enquiry",
        ),
    ),
    (
        "taxes",
        _t("Steuern und Finanzen", "Impôts et finances", "Imposte e finanze", "Taxes and finance"),
        _t("Abgaben, Betreibungen", "Taxes, poursuites", "Tasse, esecuzioni", "Levies, debt collection"),
    ),
    (
        "security",
        _t("Sicherheit und Ordnung", "Sécurité et ordre public", "Sicurezza e ordine pubblico", "Safety and order"),
        _t(
            "Fundbüro, Bewilligungen",
            "Objets trouvés, autorisations",
            "Oggetti smarriti, permessi",
            "Lost property, permits",
        ),
    ),
    (
        "animals",
        _t("Tiere und Natur", "Animaux et nature", "Animali e natura", "Animals and nature"),
        _t("Hunde, Fischerei", "Chiens, pêche", "Cani, pesca", "Dogs, fishing"),
    ),
]

# slug, authority ("canton"/"city"), categories, channel, use_count, texts
SERVICES: list[tuple[str, str, tuple[str, ...], str, int, dict[str, dict[str, str]]]] = [
    (
        "wohnsitzbestaetigung",
        "city",
        ("moving", "family"),
        Service.Channel.ONLINE,
        940,
        {
            "title": _t(
                "Wohnsitzbestätigung",
                "Attestation de domicile",
                "Attestazione di domicilio",
                "Confirmation of residence",
            ),
            "summary": _t(
                "Bestätigt, dass Sie in der Stadt Demo angemeldet sind.",
                "Atteste que vous êtes domicilié·e à la Ville de Démo.",
                "Attesta che Lei è domiciliato/a nella Città Demo.",
                "Confirms that you are registered as a resident of Stadt Demo.",
            ),
            "description": _t(
                "Die Bestätigung wird oft von Banken, Arbeitgebern oder Vermietern verlangt. Sie erhalten sie als PDF mit elektronischem Siegel.",
                "L'attestation est souvent demandée par les banques, les employeurs ou les bailleurs. Vous la recevez en PDF avec un sceau électronique.",
                "L'attestazione è spesso richiesta da banche, datori di lavoro o locatori. La riceve in PDF con sigillo elettronico.",
                "Banks, employers and landlords often ask for it. You receive it as a PDF with an electronic seal.",
            ),
            "documents": _t("Keine", "Aucun", "Nessuno", "None"),
            "fees": _t("CHF 20.–", "CHF 20.–", "CHF 20.–", "CHF 20"),
            "processing_time": _t("1 Arbeitstag", "1 jour ouvrable", "1 giorno lavorativo", "1 working day"),
            "keywords": _t(
                "Wohnsitzbescheinigung Niederlassung Meldebestätigung Wohnortsbestätigung",
                "certificat de domicile résidence établissement",
                "certificato di domicilio residenza",
                "residence certificate proof of address domicile",
            ),
        },
    ),
    (
        "betreibungsregisterauszug",
        "canton",
        ("taxes", "business"),
        Service.Channel.ONLINE,
        810,
        {
            "title": _t(
                "Betreibungsregisterauszug",
                "Extrait du registre des poursuites",
                "Estratto del registro delle esecuzioni",
                "Debt collection register extract",
            ),
            "summary": _t(
                "Auszug über Betreibungen gegen Sie oder Ihre Firma.",
                "Extrait des poursuites engagées contre vous ou votre entreprise.",
                "Estratto delle esecuzioni promosse contro di Lei o la Sua impresa.",
                "Extract of debt collection proceedings against you or your company.",
            ),
            "description": _t(
                "Vermieter verlangen den Auszug meist bei einer Wohnungsbewerbung. Er zeigt die Betreibungen der letzten fünf Jahre.",
                "Les bailleurs demandent généralement l'extrait lors d'une candidature pour un logement. Il indique les poursuites des cinq dernières années.",
                "I locatori lo chiedono di solito per la candidatura a un appartamento. Mostra le esecuzioni degli ultimi cinque anni.",
                "Landlords usually ask for it when you apply for a flat. It lists the proceedings of the last five years.",
            ),
            "documents": _t(
                "Kopie von Pass oder Identitätskarte",
                "Copie du passeport ou de la carte d'identité",
                "Copia del passaporto o della carta d'identità",
                "Copy of passport or identity card",
            ),
            "fees": _t("CHF 17.–", "CHF 17.–", "CHF 17.–", "CHF 17"),
            "processing_time": _t("2 Arbeitstage", "2 jours ouvrables", "2 giorni lavorativi", "2 working days"),
            "keywords": _t(
                "Betreibungsauszug Schulden Bonität Wohnungsbewerbung",
                "extrait de poursuites dettes solvabilité",
                "estratto esecuzioni debiti solvibilità",
                "debt enforcement extract debts credit record",
            ),
        },
    ),
    (
        "hundeanmeldung",
        "city",
        ("animals",),
        Service.Channel.ONLINE,
        520,
        {
            "title": _t("Hundeanmeldung", "Annonce d'un chien", "Notifica di un cane", "Dog registration"),
            "summary": _t(
                "Melden Sie einen neuen Hund innert 10 Tagen an.",
                "Annoncez un nouveau chien dans les 10 jours.",
                "Notifichi un nuovo cane entro 10 giorni.",
                "Register a new dog within 10 days.",
            ),
            "description": _t(
                "Jeder Hund ab drei Monaten muss bei der Gemeinde angemeldet und in der Datenbank AMICUS registriert sein.",
                "Tout chien de plus de trois mois doit être annoncé à la commune et enregistré dans la banque de données AMICUS.",
                "Ogni cane di oltre tre mesi deve essere notificato al comune e registrato nella banca dati AMICUS.",
                "Every dog older than three months must be registered with the municipality and in the AMICUS database.",
            ),
            "documents": _t(
                "Mikrochip-Nummer\nNachweis der Haftpflichtversicherung",
                "Numéro de la puce électronique\nAttestation d'assurance responsabilité civile",
                "Numero del microchip\nAttestato di assicurazione responsabilità civile",
                "Microchip number\nProof of liability insurance",
            ),
            "fees": _t(
                "Keine (Hundesteuer separat)",
                "Aucun (impôt sur les chiens séparé)",
                "Nessuna (tassa sui cani a parte)",
                "None (dog tax billed separately)",
            ),
            "processing_time": _t("Sofort", "Immédiat", "Immediato", "Immediate"),
            "keywords": _t(
                "Hund anmelden Hundehaltung Welpe AMICUS",
                "chien chiot détenteur AMICUS",
                "cane cucciolo detentore AMICUS",
                "dog puppy owner AMICUS",
            ),
        },
    ),
    (
        "hundesteuer",
        "city",
        ("animals", "taxes"),
        Service.Channel.ONLINE,
        150,
        {
            "title": _t("Hundesteuer", "Impôt sur les chiens", "Tassa sui cani", "Dog tax"),
            "summary": _t(
                "Jährliche Abgabe für jeden gehaltenen Hund.",
                "Taxe annuelle pour chaque chien détenu.",
                "Tassa annuale per ogni cane tenuto.",
                "Annual tax for every dog kept.",
            ),
            "description": _t(
                "Die Rechnung wird im März verschickt. Für Blindenführhunde und Diensthunde gilt eine Befreiung.",
                "La facture est envoyée en mars. Les chiens guides d'aveugles et les chiens de service sont exonérés.",
                "La fattura viene inviata a marzo. I cani guida per ciechi e i cani di servizio sono esentati.",
                "The bill is sent in March. Guide dogs and service dogs are exempt.",
            ),
            "fees": _t(
                "CHF 120.– pro Hund und Jahr",
                "CHF 120.– par chien et par an",
                "CHF 120.– per cane all'anno",
                "CHF 120 per dog and year",
            ),
            "keywords": _t("Hundetaxe Hundegebühr", "taxe chien", "tassa cane", "dog licence fee"),
        },
    ),
    (
        "anwohnerparkkarte",
        "city",
        ("vehicles", "moving"),
        Service.Channel.ONLINE,
        700,
        {
            "title": _t(
                "Anwohnerparkkarte",
                "Macaron de stationnement pour résidents",
                "Contrassegno di parcheggio per residenti",
                "Residents' parking permit",
            ),
            "summary": _t(
                "Parkieren in der blauen Zone Ihres Quartiers ohne Zeitlimit.",
                "Stationner sans limite de durée dans la zone bleue de votre quartier.",
                "Parcheggiare senza limiti di tempo nella zona blu del Suo quartiere.",
                "Park without time limit in your neighbourhood's blue zone.",
            ),
            "description": _t(
                "Die Parkkarte gilt für ein Fahrzeug, das auf Sie eingelöst ist, und für ein Jahr.",
                "Le macaron est valable un an pour un véhicule immatriculé à votre nom.",
                "Il contrassegno vale un anno per un veicolo immatricolato a Suo nome.",
                "The permit is valid for one year for one vehicle registered in your name.",
            ),
            "documents": _t(
                "Fahrzeugausweis", "Permis de circulation", "Licenza di circolazione", "Vehicle registration document"
            ),
            "fees": _t("CHF 360.– pro Jahr", "CHF 360.– par an", "CHF 360.– all'anno", "CHF 360 per year"),
            "processing_time": _t("3 Arbeitstage", "3 jours ouvrables", "3 giorni lavorativi", "3 working days"),
            "keywords": _t(
                "Parkkarte Parkbewilligung blaue Zone Auto parkieren",
                "vignette parking zone bleue voiture stationnement",
                "permesso parcheggio zona blu auto",
                "parking card blue zone car",
            ),
        },
    ),
    (
        "fischereipatent",
        "canton",
        ("animals",),
        Service.Channel.ONLINE,
        260,
        {
            "title": _t("Fischereipatent", "Permis de pêche", "Patente di pesca", "Fishing licence"),
            "summary": _t(
                "Patent für das Fischen in den Gewässern des Kantons Demo.",
                "Permis pour pêcher dans les eaux du canton de Démo.",
                "Patente per pescare nelle acque del Cantone Demo.",
                "Licence to fish in the waters of Kanton Demo.",
            ),
            "description": _t(
                "Erhältlich als Tages-, Monats- oder Jahrespatent. Für ein Jahrespatent brauchen Sie den Sachkunde-Nachweis (SaNa).",
                "Disponible à la journée, au mois ou à l'année. Le permis annuel exige l'attestation de compétence (SaNa).",
                "Disponibile giornaliera, mensile o annuale. Per la patente annuale serve l'attestato di competenza (SaNa).",
                "Available for a day, a month or a year. The annual licence requires the certificate of competence (SaNa).",
            ),
            "documents": _t(
                "Sachkunde-Nachweis SaNa (Jahrespatent)",
                "Attestation de compétence SaNa (permis annuel)",
                "Attestato di competenza SaNa (patente annuale)",
                "SaNa certificate of competence (annual licence)",
            ),
            "fees": _t(
                "Tag CHF 30.–, Monat CHF 80.–, Jahr CHF 200.–",
                "Jour CHF 30.–, mois CHF 80.–, année CHF 200.–",
                "Giorno CHF 30.–, mese CHF 80.–, anno CHF 200.–",
                "Day CHF 30, month CHF 80, year CHF 200",
            ),
            "processing_time": _t("Sofort", "Immédiat", "Immediato", "Immediate"),
            "keywords": _t(
                "Angeln Fischen Angelschein Fischerkarte",
                "pêcher pêche ligne carte de pêche",
                "pescare pesca licenza",
                "angling fishing permit",
            ),
        },
    ),
    (
        "adressaenderung",
        "city",
        ("moving",),
        Service.Channel.ONLINE,
        880,
        {
            "title": _t("Adressänderung", "Changement d'adresse", "Cambiamento d'indirizzo", "Change of address"),
            "summary": _t(
                "Umzug innerhalb der Stadt Demo melden.",
                "Annoncer un déménagement à l'intérieur de la Ville de Démo.",
                "Notificare un trasloco all'interno della Città Demo.",
                "Report a move within Stadt Demo.",
            ),
            "description": _t(
                "Melden Sie Ihre neue Adresse innert 14 Tagen nach dem Umzug. Die Änderung gilt für alle Personen im Haushalt, die Sie angeben.",
                "Annoncez votre nouvelle adresse dans les 14 jours suivant le déménagement. Le changement vaut pour toutes les personnes du ménage que vous indiquez.",
                "Notifichi il nuovo indirizzo entro 14 giorni dal trasloco. La modifica vale per tutte le persone dell'economia domestica indicate.",
                "Report your new address within 14 days of moving. The change applies to everyone in the household you list.",
            ),
            "documents": _t(
                "Mietvertrag oder Wohnungsabnahme",
                "Bail à loyer ou état des lieux",
                "Contratto di locazione o verbale di consegna",
                "Tenancy agreement or handover report",
            ),
            "fees": _t("Keine", "Aucun", "Nessuna", "None"),
            "processing_time": _t("1 Arbeitstag", "1 jour ouvrable", "1 giorno lavorativo", "1 working day"),
            "keywords": _t(
                "Umzug umziehen Zügeln neue Adresse Wohnungswechsel",
                "déménagement déménager nouvelle adresse",
                "trasloco traslocare nuovo indirizzo",
                "moving house relocation new address",
            ),
        },
    ),
    (
        "bauvoranfrage",
        "city",
        ("building",),
        Service.Channel.ONLINE,
        90,
        {
            "title": _t(
                "Bauvoranfrage",
                "Demande préalable de construction",
                "Domanda preliminare di costruzione",
                "Building pre-enquiry",
            ),
            "summary": _t(
                "Klären Sie vor dem Baugesuch, ob Ihr Vorhaben bewilligungsfähig ist.",
                "Vérifiez avant la demande de permis si votre projet peut être autorisé.",
                "Verifichi prima della domanda di costruzione se il Suo progetto è autorizzabile.",
                "Find out before applying whether your project can be approved.",
            ),
            "description": _t(
                "Die Bauverwaltung beurteilt Skizzen und Pläne unverbindlich und nennt offene Punkte.",
                "L'administration des constructions évalue vos esquisses et plans sans engagement et signale les points ouverts.",
                "L'amministrazione edilizia valuta schizzi e piani senza impegno e indica i punti aperti.",
                "The building department assesses sketches and plans without obligation and lists open questions.",
            ),
            "documents": _t(
                "Situationsplan\nSkizzen oder Pläne des Vorhabens",
                "Plan de situation\nEsquisses ou plans du projet",
                "Planimetria\nSchizzi o piani del progetto",
                "Site plan\nSketches or plans of the project",
            ),
            "fees": _t(
                "Nach Aufwand, mindestens CHF 150.–",
                "Selon le travail, au moins CHF 150.–",
                "Secondo il dispendio, almeno CHF 150.–",
                "By effort, at least CHF 150",
            ),
            "processing_time": _t("4 Wochen", "4 semaines", "4 settimane", "4 weeks"),
            "keywords": _t(
                "Vorabklärung Bauprojekt Umbau Anbau",
                "clarification préalable projet transformation",
                "chiarimento preliminare progetto ristrutturazione",
                "preliminary enquiry project renovation",
            ),
        },
    ),
    (
        "baugesuch",
        "city",
        ("building",),
        Service.Channel.ONLINE,
        140,
        {
            "title": _t(
                "Baugesuch", "Demande de permis de construire", "Domanda di costruzione", "Building permit application"
            ),
            "summary": _t(
                "Bewilligung für Neubauten, Umbauten und Anbauten.",
                "Autorisation pour constructions nouvelles, transformations et agrandissements.",
                "Licenza per nuove costruzioni, ristrutturazioni e ampliamenti.",
                "Permit for new buildings, conversions and extensions.",
            ),
            "description": _t(
                "Das Gesuch wird öffentlich aufgelegt. Besprechen Sie grössere Vorhaben vorab in einem Termin mit der Bauverwaltung.",
                "La demande est mise à l'enquête publique. Discutez des projets importants au préalable lors d'un rendez-vous.",
                "La domanda è pubblicata. Discuta i progetti importanti in anticipo durante un appuntamento.",
                "The application is published. Discuss larger projects with the building department in an appointment first.",
            ),
            "documents": _t(
                "Baugesuchsformular\nSituationsplan\nGrundrisse, Schnitte, Fassaden",
                "Formulaire de demande\nPlan de situation\nPlans, coupes, façades",
                "Modulo di domanda\nPlanimetria\nPiante, sezioni, facciate",
                "Application form\nSite plan\nFloor plans, sections, elevations",
            ),
            "fees": _t(
                "Nach Bausumme",
                "Selon le coût de construction",
                "Secondo il costo di costruzione",
                "Based on construction cost",
            ),
            "processing_time": _t("2 bis 3 Monate", "2 à 3 mois", "Da 2 a 3 mesi", "2 to 3 months"),
            "keywords": _t(
                "Baubewilligung bauen Neubau Umbau",
                "permis de construire construction",
                "licenza edilizia costruzione",
                "construction permit build",
            ),
        },
    ),
    (
        "handelsregistereintrag",
        "canton",
        ("business",),
        Service.Channel.ONLINE,
        310,
        {
            "title": _t(
                "Handelsregistereintrag",
                "Inscription au registre du commerce",
                "Iscrizione nel registro di commercio",
                "Commercial register entry",
            ),
            "summary": _t(
                "Firma gründen oder Änderungen eintragen lassen.",
                "Créer une entreprise ou inscrire des modifications.",
                "Fondare un'impresa o iscrivere modifiche.",
                "Found a company or register changes.",
            ),
            "description": _t(
                "Einzelunternehmen ab CHF 100 000 Umsatz, GmbH und AG müssen im Handelsregister eingetragen sein.",
                "Les entreprises individuelles dès CHF 100 000 de chiffre d'affaires, les Sàrl et les SA doivent être inscrites.",
                "Le ditte individuali con cifra d'affari da CHF 100 000, le Sagl e le SA devono essere iscritte.",
                "Sole proprietorships with a turnover from CHF 100,000, LLCs and companies limited by shares must be registered.",
            ),
            "documents": _t(
                "Statuten\nGründungsurkunde\nKopie der Ausweise der Zeichnungsberechtigten",
                "Statuts\nActe constitutif\nCopie des pièces d'identité des signataires",
                "Statuto\nAtto costitutivo\nCopia dei documenti d'identità dei firmatari",
                "Articles of association\nDeed of incorporation\nCopies of signatories' identity documents",
            ),
            "fees": _t("ab CHF 420.–", "dès CHF 420.–", "da CHF 420.–", "from CHF 420"),
            "processing_time": _t("5 Arbeitstage", "5 jours ouvrables", "5 giorni lavorativi", "5 working days"),
            "keywords": _t(
                "Firmengründung GmbH AG Einzelfirma Unternehmen gründen",
                "création d'entreprise Sàrl SA raison individuelle",
                "costituzione impresa Sagl SA ditta individuale",
                "company formation startup business registration",
            ),
        },
    ),
    (
        "heimatschein",
        "canton",
        ("family",),
        Service.Channel.ONLINE,
        230,
        {
            "title": _t("Heimatschein", "Acte d'origine", "Atto d'origine", "Certificate of origin"),
            "summary": _t(
                "Bestätigt Ihr Bürgerrecht in einer Gemeinde des Kantons Demo.",
                "Atteste votre droit de cité dans une commune du canton de Démo.",
                "Attesta la Sua attinenza in un comune del Cantone Demo.",
                "Confirms your citizenship of a municipality of Kanton Demo.",
            ),
            "description": _t(
                "Den Heimatschein hinterlegen Sie bei der Wohngemeinde, wenn Sie zuziehen.",
                "Vous déposez l'acte d'origine auprès de votre commune de domicile lors de votre arrivée.",
                "L'atto d'origine va depositato presso il comune di domicilio all'arrivo.",
                "You deposit it with your municipality of residence when you move there.",
            ),
            "documents": _t(
                "Kopie von Pass oder Identitätskarte",
                "Copie du passeport ou de la carte d'identité",
                "Copia del passaporto o della carta d'identità",
                "Copy of passport or identity card",
            ),
            "fees": _t("CHF 30.–", "CHF 30.–", "CHF 30.–", "CHF 30"),
            "processing_time": _t("5 Arbeitstage", "5 jours ouvrables", "5 giorni lavorativi", "5 working days"),
            "keywords": _t(
                "Bürgerrecht Heimatort Zivilstandsamt",
                "droit de cité lieu d'origine état civil",
                "attinenza luogo d'origine stato civile",
                "citizenship place of origin civil registry",
            ),
        },
    ),
    (
        "fundsachen",
        "city",
        ("security",),
        Service.Channel.ONLINE,
        410,
        {
            "title": _t("Fundsachen", "Objets trouvés", "Oggetti smarriti", "Lost property"),
            "summary": _t(
                "Etwas verloren oder gefunden? Das Fundbüro hilft.",
                "Perdu ou trouvé un objet ? Le bureau des objets trouvés vous aide.",
                "Ha perso o trovato qualcosa? L'ufficio oggetti smarriti L'aiuta.",
                "Lost or found something? The lost property office helps.",
            ),
            "description": _t(
                "Fundgegenstände werden ein Jahr aufbewahrt. Beschreiben Sie den Gegenstand möglichst genau.",
                "Les objets sont conservés un an. Décrivez l'objet aussi précisément que possible.",
                "Gli oggetti sono conservati un anno. Descriva l'oggetto nel modo più preciso possibile.",
                "Items are kept for one year. Describe the item as precisely as you can.",
            ),
            "fees": _t("Keine", "Aucun", "Nessuna", "None"),
            "keywords": _t(
                "Fundbüro verloren gefunden Portemonnaie Schlüssel Velo",
                "perdu trouvé portefeuille clés vélo",
                "perso trovato portafoglio chiavi bicicletta",
                "lost found wallet keys bicycle",
            ),
        },
    ),
]


#: service slug -> slug of its form definition (``eforms/definitions/*.yaml``)
FORM_DEFINITIONS: dict[str, str] = {
    "wohnsitzbestaetigung": "residence-confirmation",
    "betreibungsregisterauszug": "debt-register-extract",
    "hundeanmeldung": "dog-registration",
    "hundesteuer": "dog-tax-exemption",
    "anwohnerparkkarte": "parking-permit",
    "fischereipatent": "fishing-licence",
    "adressaenderung": "change-of-address",
    "bauvoranfrage": "building-pre-enquiry",
    "baugesuch": "building-permit",
    "handelsregistereintrag": "business-registration",
    "heimatschein": "certificate-of-origin",
    "fundsachen": "lost-property-report",
}


def load_catalogue_demo(*, canton: Authority, city: Authority) -> list[Service]:
    categories: dict[str, Category] = {}
    for position, (slug, name, description) in enumerate(CATEGORIES):
        categories[slug] = category_upsert(slug=slug, position=position, name=name, description=description)
    owners = {"canton": canton, "city": city}
    services = []
    for slug, owner, category_slugs, channel, use_count, texts in SERVICES:
        service = service_upsert(
            slug=slug,
            authority=owners[owner],
            categories=[categories[c] for c in category_slugs],
            channel=channel,
            is_published=True,
            form_definition=FORM_DEFINITIONS.get(slug, ""),
            **texts,
        )
        if service.use_count == 0:  # demo popularity; real counts are never overwritten
            Service.objects.filter(pk=service.pk).update(use_count=use_count)
        services.append(service)
    return services


def demo_texts() -> dict[str, Any]:
    """Slug -> texts, for tests."""
    return {slug: texts for slug, _owner, _cats, _channel, _count, texts in SERVICES}
