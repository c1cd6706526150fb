"""Label phrases beyond the first four languages: Italian, Dutch and Swedish, and the abbreviations forms use.

Written as they read after ``lexicon.normalize`` (lower case, accents folded, punctuation gone):
"Tel.-Nr." is ``tel nr``, "C.P." is ``c p``, "Nº" is ``no``, "Födelsedatum" is ``fodelsedatum``.
``lexicon.SYNONYMS`` merges these into its own lists.
"""
from __future__ import annotations

MORE_SYNONYMS: dict[str, list[str]] = {
    # a sensitive ID: filled only from the user's own sensitive fact, when sensitive filling is on
    "driver-license": ["driver s license", "drivers license", "driver license", "driving licence", "driving license",
                       "licence number", "license number", "fuhrerschein", "fuhrerscheinnummer", "permis de conduire",
                       "numero du permis", "numero de permis", "permiso de conducir", "carnet de conducir",
                       "patente di guida", "numero patente", "rijbewijs", "rijbewijsnummer", "korkort",
                       "korkortsnummer"],
    # known so that no look-alike key is guessed for it ("Familienstand" is not "Familienname")
    "marital-status": ["marital status", "civil status", "familienstand", "zivilstand", "etat civil",
                       "situation familiale", "situation de famille", "estado civil", "stato civile",
                       "burgerlijke staat", "burgerlijke stand", "civilstand"],
    "diet": ["regime alimentare", "preferenze alimentari", "esigenze alimentari", "tipo di dieta", "dieet",
             "dieetwensen", "voedingswensen", "maaltijdvoorkeur", "voedingsvoorkeur", "kost", "specialkost",
             "matpreferens", "kostpreferens", "kostavvikelser"],
    "name": ["nome completo", "nome e cognome", "il tuo nome", "volledige naam", "naam", "uw naam",
             "voor en achternaam", "namn", "fullstandigt namn", "ditt namn", "for och efternamn",
             "full legal name", "name of applicant", "applicant name",
             "attendee name", "participant name", "patient name", "name des antragstellers", "nom du patient",
             "namnfortydligande", "name in block letters", "name in capitals", "name in druckbuchstaben",
             "nom en majuscules", "nombre en mayusculas", "nome in stampatello"],
    "honorific-prefix": ["titolo", "appellativo", "aanhef", "tilltal", "anrede titel", "form of address"],
    "given-name": ["nome", "voornaam", "voornamen", "roepnaam", "fornamn", "tilltalsnamn", "prenoms",
                   "vorname n", "first names", "given names"],
    "family-name": ["cognome", "achternaam", "familienaam", "efternamn", "nom d usage", "apellido s",
                    "primer y segundo apellido"],
    "email": ["posta elettronica", "indirizzo email", "indirizzo e mail", "e mailadres", "emailadres",
              "e post", "e postadress", "epost", "epostadress", "mejl", "mejladress", "e mail adress",
              "mail adres", "courriel adresse", "adresse mail", "email id"],
    # Italy's certified e-mail (posta elettronica certificata) is its own address, never the ordinary one
    "pec": ["pec", "posta elettronica certificata", "indirizzo pec", "domicilio digitale", "casella pec"],
    "tel": ["cellulare", "numero di telefono", "recapito telefonico", "telefono cellulare", "tel nr", "tel no",
            "telephone no", "phone no", "mob", "mobil", "mobilnummer", "mobiltelefon", "tfn", "tfn nr",
            "telefoon", "telefoonnummer", "telefoonnr", "mobiel", "mobiel nummer", "mobiele telefoon", "gsm",
            "no de telephone", "n de telephone", "num tel", "numero tel", "tel fixe", "tel mobile", "natel",
            "handynr", "mobilfunknummer", "telefonnr", "tel privat", "telefon privat", "n de telefono",
            "no de telefono", "daytime phone", "phone mobile", "tlf", "tel movil"],
    "street-address": ["indirizzo", "via", "via e numero civico", "indirizzo di residenza", "via numero",
                       "adres", "straat", "straat en huisnummer", "straatnaam en huisnummer", "woonadres",
                       "adress", "gatuadress", "gata", "utdelningsadress", "gata och nummer", "bostadsadress",
                       "rue et no", "no et rue", "n et rue", "numero et nom de rue", "adresse n et rue",
                       "calle y no", "calle y n", "calle numero", "strasse nr hausnummer", "strasse hausnr",
                       "strasse und hausnr", "street name and number", "address street", "residential address",
                       "current address", "adresse actuelle", "aktuelle anschrift", "direccion actual",
                       "adresse de domicile", "domicile", "numero et libelle de la voie", "numero et nom de voie",
                       "libelle de la voie", "voie", "folkbokforingsadress", "folkbokforing adress",
                       "via piazza", "via viale piazza", "via piazza corso", "via e n civico", "via n civico",
                       "via e nr civico"],
    "address-line2": ["interno", "scala", "toevoeging", "lagenhetsnummer", "batiment",
                      "etage", "escalera", "puerta", "stockwerk", "adresserganzung", "adressergaenzung",
                      "hausnummerzusatz", "zusatz", "huisnummertoevoeging", "line 2", "street line 2",
                      "address line 2 of 2", "line 2 of 2"],
    "address-level2": ["citta", "comune", "localita", "plaats", "woonplaats", "stad", "postort", "kommun",
                       "ort stadt", "stadt ort", "wohnort ort", "ciudad localidad", "ville localite", "town city",
                       "city town", "citta di residenza", "gemeinde", "wohngemeinde", "municipality", "gemeente", "ville de residence", "ciudad de residencia"],
    "address-level1": ["regione", "provincie", "lan", "canton"],
    "postal-code": ["cap", "c a p", "codice postale", "codice di avviamento postale", "postnummer", "postnr",
                    "cod postal", "code post", "npa", "post nr", "postal", "eircode"],
    "country-name": ["paese", "nazione", "stato", "paese di residenza", "land van verblijf", "woonland",
                     "bosattningsland", "hemland", "land staat", "country region", "pays region"],
    "bday": ["data di nascita", "nato il", "nata il", "nato a il", "data nascita", "geboortedatum", "geboren op",
             "geb datum", "geb am", "geburtsdatum tt mm jjjj", "fodelsedatum", "fodd", "fodd den", "fecha de nac",
             "f nacimiento", "date naissance", "d o b", "birth date dd mm yyyy"],
    "bday-day": ["giorno di nascita", "geboortedag", "fodelsedag dag"],
    "bday-month": ["mese di nascita", "geboortemaand", "fodelsemanad"],
    "bday-year": ["anno di nascita", "geboortejaar", "fodelsear"],
    "organization": ["azienda", "societa", "datore di lavoro", "ditta", "ente", "organizzazione",
                     "bedrijf", "werkgever", "organisatie", "bedrijfsnaam", "foretag", "arbetsgivare", "organisation",
                     "foretagsnamn", "institution", "affiliation", "company organisation", "company organization",
                     "institution organisation", "employeur actuel", "aktueller arbeitgeber", "empresa actual",
                     "nom de l employeur", "nome dell azienda", "naam werkgever", "naam bedrijf", "name des arbeitgebers",
                     "name der firma", "employer name", "nombre del empleador", "arbetsgivarens namn"],
    "organization-title": ["professione", "qualifica", "ruolo", "mansione", "occupazione", "posizione lavorativa",
                           "functie", "beroep", "functietitel", "yrke", "befattning", "tjanst", "yrkestitel",
                           "job role", "your role", "profession actuelle", "fonction actuelle", "beruf taetigkeit",
                           "ausgeubter beruf", "profesion u ocupacion"],
    "url": ["sito web", "sito internet", "webbplats", "hemsida", "website url", "homepage url"],
    "sex": ["sesso", "geslacht", "kon", "sex gender"],
    "language": ["lingua", "taal", "sprak", "lingua preferita", "voorkeurstaal", "foredraget sprak",
                 "correspondence language", "korrespondenzsprache", "langue de correspondance"],
    "nationality": ["nazionalita", "cittadinanza", "nationaliteit", "nationalitet", "medborgarskap",
                    "staatsburgerschaft"],
    "birthplace": ["place of birth", "birthplace", "geburtsort", "lieu de naissance", "lugar de nacimiento",
                   "luogo di nascita", "nato a", "geboorteplaats", "fodelseort", "fodelseplats", "ne a", "nee a",
                   "town of birth", "city of birth", "geburtsort stadt", "ville de naissance", "geb ort",
                   "comune di nascita", "citta di nascita", "ciudad de nacimiento", "geboortestad", "fodelsestad"],
    "birth-country": ["country of birth", "birth country", "geburtsland", "pays de naissance", "pais de nacimiento",
                      "paese di nascita", "stato di nascita", "geboorteland", "fodelseland"],
    "street-name": ["strassenname", "nom de la rue", "nombre de la calle", "nome della via", "straatnaam",
                    "gatunamn", "street name", "type et nom de voie", "nom de voie", "libelle de la voie",
                    "libelle voie", "tipo y nombre de via", "nombre de la via", "nombre de via", "nome via",
                    "denominazione via"],
    "house-number": ["hausnummer", "hausnr", "nr", "no", "numero", "n", "numero civico", "n civico", "nr civico",
                     "civico", "huisnummer", "huisnr", "husnr",
                     "gatunummer", "house number", "house no", "numero de rue", "numero de calle"],
    "iban": ["conto corrente", "rekeningnummer", "bankrekening", "bankrekeningnummer", "kontonummer iban",
             "bankkonto", "iban kontonummer"],
    "passport-number": ["numero di passaporto", "passaporto", "paspoortnummer", "paspoort", "passnummer"],
    "national-id": ["carta d identita", "numero carta d identita", "bsn", "burgerservicenummer", "personnummer",
                    "identiteitskaart", "id kort", "numero de securite sociale", "numero nir"],
    "health-insurance-number": ["tarjeta sanitaria", "numero de tarjeta sanitaria", "krankenversichertennummer",
                                "versichertennummer", "carte vitale", "tessera sanitaria", "nhs number",
                                "health insurance number", "insurance number", "polisnummer", "sjukforsakring"],
    "tax-id": ["codice fiscale", "partita iva", "fiscaal nummer", "steuer identifikationsnummer", "skatte id"],
}
# Short phrases that count only as a whole label ("Nr." beside "Straße"; not the "no" of "Membership No.").
EXACT_ONLY = {"nr", "no", "n", "numero", "lan", "kon", "ente", "stato", "via", "mob", "cap", "pec", "gata", "ne a",
              "nee a", "nato a", "fodd", "postal", "mail", "cell", "job", "role", "land", "staat", "ort", "stad"}
# Phrases that speak of another person (they stop a synonym match), in IT, NL and SV.
MORE_OTHER_PERSON = ["contatto di emergenza", "emergenza", "coniuge", "madre", "padre", "figlio", "figlia", "tutore",
                     "medico", "medico curante", "noodcontact", "noodgeval", "echtgenoot", "echtgenote", "moeder",
                     "vader", "huisarts", "nodkontakt", "anhorig", "anhoriga", "maka", "sambo", "vardnadshavare",
                     "lakare", "next of kin", "emergency contact", "personne a prevenir", "en cas d urgence",
                     "persona de contacto", "ansprechpartner", "kontaktperson", "contactpersoon", "referee s",
                     "landlord", "vermieter", "proprietaire", "bailleur",
                     "arrendador", "verhuurder", "hyresvard", "locatore", "previous landlord", "guarantor", "burge",
                     "garant", "avalista", "garante", "borgsteller", "borgensman", "co applicant", "mitantragsteller",
                     "colocataire", "second applicant", "zweiter mieter", "mitbewohner", "invoice recipient",
                     # someone who comes along or applies with the user
                     "companion", "travel companion", "accompanying person", "plus one", "co applicant s",
                     "joint applicant", "begleitperson", "begleiter", "begleiterin", "mitreisende", "mitreisender",
                     "accompagnateur", "accompagnatrice", "accompagnant", "co demandeur", "co titulaire",
                     "acompanante", "cosolicitante", "co solicitante", "accompagnatore", "accompagnatrice",
                     "cointestatario", "co richiedente", "begeleider", "reisgenoot", "medeaanvrager",
                     "medsokande", "medresenar", "ledsagare", "sallskap",
                     "ehegatte", "ehegattin", "ehegatten", "lebenspartner", "lebenspartnerin", "mitmieter", "mitmieterin",
                     "other adult", "another adult", "other person", "another person", "additional adult", "their",
                     "co tenant", "cotenant", "cotitular", "co titular", "medehuurder", "referent", "referentie",
                     "referenza", "referencia", "referenzen", "berater", "beraterin", "steuerberater", "steuerberaterin", "steuerliche beratung",
                     "tax advisor", "tax adviser", "conseiller fiscal", "asesor fiscal", "commercialista",
                     "belastingadviseur", "redovisningskonsult",
                     "familienmitglied", "familienmitglieds", "weiteres familienmitglied", "weitere person",
                     "gesetzliche vertreter", "gesetzlicher vertreter", "gesetzliche r vertreter", "vertreter in",
                     "legal guardian", "legal representative", "representant legal", "representante legal",
                     "rappresentante legale", "wettelijk vertegenwoordiger", "family member", "other family member",
                     "membre de la famille", "familiar", "familiare", "familielid", "familjemedlem", "referred by",
                     "recommended by", "geworben von", "parrain", "marraine",
                     "des kindes", "kindes", "kind s", "the child", "child s", "de l enfant", "del nino", "del bambino",
                     "van het kind", "barnets", "ouder", "ouders", "ouder verzorger", "verzorger", "conviviente", "convivientes", "otro conviviente", "additional driver",
                     "second driver", "extra driver", "zusatzfahrer", "conducteur supplementaire", "conductor adicional",
                     "conducente aggiuntivo", "extra bestuurder", "extra forare", "varvare", "varvarens", "varvad av",
                     "arbetsplats", "arbetsplatsens", "lieu de travail",
                     "lugar de trabajo", "luogo di lavoro", "sede di lavoro", "werkplek", "arbeitsstatte", "workplace",
                     "preferred location", "preferred work location",
                     # the workplace's numbers are not the user's own phone
                     "work phone", "work telephone", "business phone", "office phone", "telephone professionnel",
                     "tel professionnel", "telephone travail", "telefon geschaftlich", "telefon dienstlich",
                     "diensttelefon", "telefono del lavoro", "telefono lavoro", "telefono ufficio", "telefono laboral",
                     "telefono del trabajo", "telefono trabajo", "telefoon werk", "zakelijk telefoonnummer",
                     "telefon arbete", "arbetstelefon", "telefon arbetet",
                     # the doctor's practice
                     "gp", "gp practice", "gp surgery", "family doctor", "doctor", "physician", "hausarzt", "hausarztin",
                     "hausarztpraxis", "medecin traitant", "medecin", "medico de cabecera", "medico di base",
                     "medico di famiglia", "vardcentral",
                     # the people the user lives with, a supervisor, a second driver
                     "occupants", "other occupants", "live with you", "lives with you", "weitere personen",
                     "im gleichen haushalt", "haushaltsmitglied", "haushaltsmitglieder", "household member",
                     "household members", "membres du foyer", "personnes vivant", "miembros del hogar",
                     "nucleo familiare", "componenti del nucleo", "gezinslid", "gezinsleden", "huisgenoot",
                     "huisgenoten", "hushallsmedlem", "hushallsmedlemmar", "medboende", "supervisor",
                     "supervisor s", "vorgesetzter", "vorgesetzte", "vorgesetzten", "responsable hierarchique",
                     "superieur hierarchique", "jefe directo", "responsabile diretto", "leidinggevende",
                     "narmaste chef", "conducteur secondaire", "conductrice secondaire", "second conducteur",
                     "conductor secundario", "conducente secondario", "tweede bestuurder", "zweiter fahrer",
                     # who lives there next, and a "care of" name
                     "new occupant", "new tenant", "next tenant", "nieuwe bewoner", "nieuwe huurder", "nachmieter",
                     "nachmieterin", "neuer mieter", "nouvel occupant", "nouveau locataire", "nuevo inquilino",
                     "nuevo ocupante", "nuovo inquilino", "nuovo occupante", "ny hyresgast", "c o", "care of",
                     "co adress",
                     # someone filling the form for the user
                     "someone else", "on behalf of", "im auftrag von", "pour le compte de", "en nombre de",
                     "per conto di", "pa uppdrag av",
                     # another time: a previous address or a maiden name is not the profile's value
                     "previous", "former", "maiden", "prior", "fruhere", "fruherer", "fruheren", "vorherige",
                     "vorheriger", "bisherige", "bisheriger", "ehemalige", "ehemaliger", "geburtsname", "ancien",
                     "ancienne", "precedent", "precedente", "anterior", "vorige", "vorig", "tidigare",
                     "nom de jeune fille", "birth name", "name at birth", "apellido de soltera",
                     "wohnungsgeber", "wohnungsgebers", "eigentumer", "eigentumers", "hauseigentumer",
                     # the employer's address is not the user's
                     "company address", "business address", "work address", "office address", "employer address",
                     "firmenanschrift", "firmenadresse", "geschaftsadresse", "anschrift des arbeitgebers",
                     "adresse de l entreprise", "adresse professionnelle", "adresse de l employeur",
                     "direccion de la empresa", "direccion del trabajo", "indirizzo aziendale", "indirizzo dell azienda",
                     "sede legale", "bedrijfsadres", "werkadres", "adres werkgever", "foretagsadress", "arbetsadress",
                     # names of things and institutions, not of the user
                     "school", "schule", "ecole", "escuela", "scuola", "university", "universitat", "universite",
                     "universidad", "universita", "bank", "banque", "banco", "insurance", "versicherung",
                     "krankenkasse", "assurance", "mutuelle", "seguro", "assicurazione", "verzekeraar", "forsakring",
                     "pet", "haustier", "animal", "project", "projekt", "projet", "proyecto", "team", "club",
                     "verein", "vehicle", "fahrzeug", "vehicule", "product", "produkt", "hotel", "event"]
# A field to fill only when its value differs from the one the form already asked for ("Nom de naissance (si
# différent)", "Domicilio sanitario (se diverso dalla residenza)"): the profile's value is that one, so it stays empty.
IF_DIFFERENT = ["if different", "if not the same", "if other than", "falls abweichend", "sofern abweichend",
                "wenn abweichend", "falls verschieden", "si different", "si differente", "si elle differe",
                "si es distinto", "si es distinta", "si difiere", "si es diferente", "se diverso", "se diversa",
                "se differente", "indien afwijkend", "indien anders", "indien verschillend", "indien niet", "als anders dan",
                "if not the", "si ce n est pas", "si no es", "se non e", "falls nicht", "om inte", "om annan", "om annat", "om den skiljer sig"]
# A section of a second person of the same role ("Zweite Kontoinhaberin", "Responsable légal 2", "Parent 2"):
# someone else's; the ordinals, and the words before a number that only count steps or pages.
SECOND_ORDINALS = {"second", "seconde", "deuxieme", "2nd", "2e", "2eme", "zweite", "zweiter", "zweites", "zweiten",
                   "segundo", "segunda", "secondo", "seconda", "tweede", "andra", "third", "dritte", "dritter",
                   "troisieme", "tercero", "tercera", "terzo", "terza", "derde", "tredje"}
NUMBERED_NOT_PERSON = {"step", "page", "part", "section", "line", "schritt", "seite", "teil", "abschnitt", "zeile",
                       "etape", "partie", "ligne", "paso", "pagina", "parte", "seccion", "linea", "fase", "sezione",
                       "stap", "deel", "regel", "steg", "sida", "del", "rad", "adresse", "address",
                       "anschrift", "adres", "adress", "indirizzo", "direccion", "telefon", "telephone", "phone",
                       "of", "von", "sur", "de", "di", "su", "van", "av", "aus", "und", "and", "et", "y", "e", "en", "och"}
# A label that starts with an address word and names the employer asks for the employer's address, in any
# wording ("Indirizzo della sede dell'attuale datore di lavoro", "Address of your current employer").
ADDRESS_HEADS = {"address", "adresse", "anschrift", "indirizzo", "direccion", "domicilio", "adres", "adress", "sede"}
EMPLOYER_WORDS = {"employer", "employers", "company", "arbeitgeber", "arbeitgebers", "firma", "employeur", "entreprise",
                  "empleador", "empresa", "datore", "azienda", "werkgever", "bedrijf", "arbetsgivare", "arbetsgivaren",
                  "foretag", "foretaget"}
# A form for a move not made yet names the address being left ("Adres dat u verlaat"); its new address
# ("Uw nieuwe adres") is then not the one the documents know. (A form that only asks the new address, or the
# previous one, is filled after the move: its new address is the current one.)
LEAVING_ADDRESS = ["dat u verlaat", "die u verlaat", "you are leaving", "you are moving out of", "moving out of",
                   "address you are leaving", "que vous quittez", "que vous allez quitter", "die sie verlassen",
                   "aus der sie ausziehen", "auszugsadresse", "que deja", "que abandona", "che lascia",
                   "che stai lasciando", "som du lamnar", "som du flyttar fran", "waar u vertrekt", "vertrekadres"]
NEW_ADDRESS = ["nieuwe adres", "nieuw adres", "new address", "neue adresse", "neue anschrift", "neue wohnung",
               "nouvelle adresse", "nueva direccion", "nuevo domicilio", "nuovo indirizzo", "ny adress",
               "nya adressen", "moving to", "nieuwe woning"]
# A field's label (not its section) naming the holder of the bank account: it belongs with the bank details, which
# the user fills in themselves ("Ten name van", "Kontoinhaber/in", "Titulaire du compte").
ACCOUNT_HOLDER = ["ten name van", "t n v", "tnv", "rekeninghouder", "titular de la cuenta", "titulaire du compte",
                  "intestatario del conto", "intestatario", "kontoinhaber", "kontoinhaberin", "kontoinhaber in",
                  "kontohavare", "account holder", "account holder s name", "name of account holder",
                  "name on the account"]
# A question answered yes or no is no value of the profile ("… mind. 8 Std.? (ja/nein)").
YES_NO = ["ja nein", "yes no", "oui non", "si no", "ja nee", "ja nej", "y n", "j n"]
# French labels that speak of "his/her" someone else ("Sa date de naissance" after the second driver's name).
THIRD_PERSON_FIRST = {"sa", "son", "ses", "leur", "leurs"}
# A bare place beside the signing date or the signature is where the form is signed ("Plaats" / "Datum").
SIGNING_PLACE = {"ort", "plaats", "lieu", "luogo", "lugar", "place", "ort datum", "plats"}
# A label that names a date and nothing else is the day of signing or of the form, not a birthday.
BARE_DATES = {"date", "datum", "fecha", "data", "dato", "date du jour", "todays date", "today s date", "heutiges datum",
              "datum ondertekening", "date of signature", "fecha de firma", "data di firma", "datum underskrift"}
# Words that say a section is the applicant's own, the user's ("B Erziehungsberechtigte/r 1 (Antragsteller/in)"):
# another person's role named beside them does not make it someone else's section.
APPLICANT = ["antragsteller", "antragstellerin", "antragsteller in", "applicant", "demandeur", "demandeuse",
             "solicitante", "richiedente", "aanvrager", "sokande", "sokanden", "your details", "ihre angaben",
             "vos coordonnees", "sus datos", "i tuoi dati", "uw gegevens", "dina uppgifter"]
# Never filled: passwords, codes, cards, in IT, NL and SV.
MORE_NEVER = ["parola d ordine", "wachtwoord", "losenord", "pin kod", "pinkod", "kortnummer", "numero della carta",
              "kaartnummer", "vervaldatum", "scadenza carta", "giltig till", "engangskod", "verifieringskod",
              "codice di verifica", "verificatiecode", "carta di credito", "creditcard", "kreditkort",
              "codice otp", "sms code", "codice di sicurezza", "beveiligingscode", "sakerhetskod", "captcha code",
              # the place and date of signing belong to the signature
              "ort datum", "ort und datum", "fait a", "fait le", "lieu et date", "luogo e data", "plaats en datum",
              "ort och datum", "place and date", "date and place", "lugar y fecha", "firmato a",
              # a signature, even where the form asks to type one's name for it
              "handtekening", "ondertekening", "underskrift", "namnteckning", "sottoscrizione", "firma del",
              "signature du", "signed", "sign here"]
# Words that are never filled only in some languages ("Firma" is a signature in Italian and Spanish, a company in German).
NEVER_BY_LANGUAGE: dict[str, list[str]] = {"it": ["firma"], "es": ["firma"], "pt": ["assinatura"]}
