"""French translations of the interface, merged into locale/fr/LC_MESSAGES/django.po.

Run after `django-admin makemessages -l fr`: `python scripts/fr.py && msgfmt ...` (see Makefile
target `messages`). Keeping them here makes a missing translation a test failure.
"""

FR = {
    "collection": "Recouvrement",
    "key": "clé",
    "name": "nom",
    "minimum gap between contacts (days)": "écart minimal entre deux contacts (jours)",
    "minimum overdue amount": "montant échu minimal",
    "creditor default": "par défaut du créancier",
    "scenario": "scénario",
    "scenarios": "scénarios",
    "offset (days from due date)": "décalage (jours depuis l'échéance)",
    "Negative before the due date; empty for a pre-due step that follows the term.": "Négatif avant l'échéance ; vide pour une relance préventive qui suit le délai de paiement.",
    "channels": "canaux",
    "mode": "mode",
    "template": "modèle",
    "step": "étape",
    "steps": "étapes",
    "imports": "Imports",
    "kind": "type",
    "format": "format",
    "file": "fichier",
    "import": "import",
    "ledger": "Grand livre clients",
    "Kind": "Type",
    "File": "Fichier",
    "Description": "Description",
    "The file is empty (0 bytes).": "Le fichier est vide (0 octet).",
    "The file is larger than 20 MB.": "Le fichier dépasse 20 Mo.",
    "business": "professionnel",
    "consumer": "particulier",
    "public buyer": "acheteur public",
    "open": "ouverte",
    "partially paid": "partiellement réglée",
    "paid": "réglée",
    "invoice": "facture",
    "credit note": "avoir",
    "email": "e-mail",
    "letter": "courrier",
    "phone": "téléphone",
    "SMS": "SMS",
    "SIREN/SIRET": "SIREN/SIRET",
    "VAT number": "n° de TVA intracommunautaire",
    "address": "adresse",
    "postal code": "code postal",
    "city": "ville",
    "country": "pays",
    "currency": "devise",
    "IBAN": "IBAN",
    "BIC": "BIC",
    "default payment terms": "délai de paiement par défaut",
    "late-penalty clause": "clause de pénalités de retard",
    "As printed on the invoices: rate of penalties and the 40 EUR indemnity.": "Telle qu'imprimée sur les factures : taux des pénalités et indemnité forfaitaire de 40 EUR.",
    "creditor": "créancier",
    "creditors": "créanciers",
    "account": "compte",
    "language": "langue",
    "credit limit": "encours autorisé",
    "payment terms": "délai de paiement",
    "segment": "segment",
    "customer": "client",
    "customers": "clients",
    "role": "fonction",
    "preferred channel": "canal préféré",
    "contact": "contact",
    "contacts": "contacts",
    "number": "numéro",
    "issue date": "date d'émission",
    "delivery date": "date de livraison",
    "due date": "date d'échéance",
    "amount incl. tax": "montant TTC",
    "amount excl. tax": "montant HT",
    "open amount": "reste dû",
    "PO number": "n° de commande",
    "status": "statut",
    "invoices": "factures",
    "date": "date",
    "amount": "montant",
    "reference": "référence",
    "method": "mode de règlement",
    "unapplied": "non lettré",
    "payment": "règlement",
    "payments": "règlements",
    "allocation": "lettrage",
    "allocations": "lettrages",
    "signed quote": "devis signé",
    "purchase order": "bon de commande",
    "delivery note": "bon de livraison",
    "signed contract": "contrat signé",
    "invoice document": "facture (document)",
    "correspondence": "correspondance",
    "other": "autre",
    "file name": "nom du fichier",
    "description": "description",
    "evidence": "pièces justificatives",
    "Account": "Compte",
    "Name": "Nom",
    "City": "Ville",
    "Segment": "Segment",
    "Open": "Ouvert",
    "Overdue": "Échu",
    "No customer matches.": "Aucun client ne correspond.",
    "Number": "Numéro",
    "Customer": "Client",
    "Issue date": "Date d'émission",
    "Due date": "Échéance",
    "Amount": "Montant",
    "Open amount": "Reste dû",
    "Status": "Statut",
    "No invoice matches.": "Aucune facture ne correspond.",
    "Previous": "Précédent",
    "Next": "Suivant",
    "Balance": "Solde",
    "Nothing open": "Rien d'ouvert",
    "Payment terms": "Délai de paiement",
    "Open items": "Échéances ouvertes",
    "Days overdue": "Jours de retard",
    "No open item.": "Aucune échéance ouverte.",
    "All invoices of this customer": "Toutes les factures de ce client",
    "Timeline": "Historique",
    "Nothing yet.": "Rien pour l'instant.",
    "Details": "Coordonnées",
    "Address": "Adresse",
    "Email": "E-mail",
    "Phone": "Téléphone",
    "Credit limit": "Encours autorisé",
    "Contacts": "Contacts",
    "No contact.": "Aucun contact.",
    "Customers": "Clients",
    "Search": "Recherche",
    "Name or account": "Nom ou compte",
    "Sort by": "Trier par",
    "Overdue amount": "Montant échu",
    "Filter": "Filtrer",
    "Credit note": "Avoir",
    "Invoice": "Facture",
    "Amount incl. tax": "Montant TTC",
    "Amount excl. tax": "Montant HT",
    "Settled outside Relance": "Réglé hors Relance",
    "Payments applied": "Règlements lettrés",
    "Date": "Date",
    "Reference": "Référence",
    "None.": "Aucun.",
    "Evidence": "Pièces justificatives",
    "No document yet.": "Aucun document.",
    "Attach": "Joindre",
    "Invoices": "Factures",
    "Customer account": "Compte client",
    "All": "Toutes",
    "Not fully paid": "Non soldées",
    "Not yet due": "Non échues",
    "1 to 30 days": "1 à 30 jours",
    "31 to 60 days": "31 à 60 jours",
    "61 to 90 days": "61 à 90 jours",
    "Over 90 days": "Plus de 90 jours",
    "Administration": "Administration",
    "Language": "Langue",
    "Log out": "Se déconnecter",
    "Log in": "Se connecter",
    "Username": "Identifiant",
    "Password": "Mot de passe",
    "Open amount (EUR)": "Reste dû (EUR)",
    "Import": "Importer",
    "Import customers, invoices or payments": "Importer clients, factures ou règlements",
    "Payments": "Règlements",
    "What the file holds": "Contenu du fichier",
    "CSV or xlsx file": "Fichier CSV ou xlsx",
    "Decimal comma (1 234,56)": "Virgule décimale (1 234,56)",
    "Date format": "Format des dates",
    "Only if not YYYY-MM-DD or DD/MM/YYYY, e.g. %m/%d/%Y": "Seulement si ni AAAA-MM-JJ ni JJ/MM/AAAA, par ex. %m/%d/%Y",
    "Check only, save nothing": "Vérifier seulement, ne rien enregistrer",
    "Check (nothing saved)": "Vérification (rien n'a été enregistré)",
    "Result": "Résultat",
    "Rows": "Lignes",
    "Created": "Créées",
    "Updated": "Mises à jour",
    "Unchanged": "Inchangées",
    "Rejected": "Rejetées",
    "Line": "Ligne",
    "Column": "Colonne",
    "Reason": "Motif",
    "Recent imports": "Imports récents",
    "No import yet.": "Aucun import pour l'instant.",
    "Columns and formats:": "Colonnes et formats :",
}

FR_PLURAL = {
    "Page %(n)s of %(total)s (%(rows)s row)": (
        "Page %(n)s sur %(total)s (%(rows)s ligne)",
        "Page %(n)s sur %(total)s (%(rows)s lignes)",
    ),
    "%(n)s item": ("%(n)s échéance", "%(n)s échéances"),
}


def merge(path: str) -> list[str]:
    """Fill the empty msgstr of `path`; return the msgids still untranslated."""
    import re
    from pathlib import Path

    text = Path(path).read_text(encoding="utf-8")
    missing: list[str] = []

    def single(m: re.Match[str]) -> str:
        msgid = m.group(2)
        if msgid == "":
            return m.group(0)
        if msgid not in FR:
            missing.append(msgid)
            return m.group(0)
        return f'{m.group(1)}msgid "{msgid}"\nmsgstr "{FR[msgid]}"\n'

    def plural(m: re.Match[str]) -> str:
        msgid = m.group(1)
        if msgid not in FR_PLURAL:
            missing.append(msgid)
            return m.group(0)
        one, many = FR_PLURAL[msgid]
        return (
            f'msgid "{msgid}"\nmsgid_plural "{m.group(2)}"\nmsgstr[0] "{one}"\nmsgstr[1] "{many}"\n'
        )

    text = re.sub(r'(^|\n)msgid "(.*)"\nmsgstr ".*"\n', single, text)
    text = re.sub(
        r'msgid "(.*)"\nmsgid_plural "(.*)"\nmsgstr\[0\] ".*"\nmsgstr\[1\] ".*"\n', plural, text
    )
    text = text.replace("#, fuzzy\n", "", 1)
    Path(path).write_text(text, encoding="utf-8")
    return missing


if __name__ == "__main__":
    import sys

    left = merge(
        sys.argv[1] if len(sys.argv) > 1 else "src/relance/locale/fr/LC_MESSAGES/django.po"
    )
    if left:
        print("untranslated:", *left, sep="\n  ")
        sys.exit(1)
