"""``mnemo facts``, ``mnemo profile``, ``mnemo topics``, ``mnemo bio``: what Mnemo knows about its user."""
from __future__ import annotations

import argparse

from app.cli.progress import run_job
from core.errors import MnemoError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("facts", help="profile facts Mnemo knows about you",
                       description="List, show, set, pin or forget profile facts (keys are HTML autocomplete tokens "
                                   "like email, given-name, postal-code, or free keys like favorite-food).")
    fs = p.add_subparsers(dest="facts_cmd", metavar="ACTION", required=True)
    q = fs.add_parser("list", help="list facts (sensitive values masked)")
    q.add_argument("--reveal", action="store_true", help="show sensitive values in clear")
    q = fs.add_parser("show", help="one fact with its history and sources")
    q.add_argument("key")
    q.add_argument("--reveal", action="store_true", help="show sensitive values in clear")
    q = fs.add_parser("set", help="set a fact yourself (pinned: extraction never overwrites it)")
    q.add_argument("key")
    q.add_argument("value")
    q.add_argument("--unpinned", action="store_true", help="do not pin it")
    q = fs.add_parser("pin", help="pin a fact so extraction never changes it")
    q.add_argument("key")
    q.add_argument("--off", action="store_true", help="unpin instead")
    q = fs.add_parser("forget", help="forget a fact everywhere (and never learn it again)")
    q.add_argument("key")
    q = fs.add_parser("refresh", help="read every document and conversation again for facts, topics and the bio")
    q.add_argument("--rules-only", action="store_true", help="skip the model (rules only, fast)")
    p.set_defaults(func=run_facts)

    p = sub.add_parser("profile", help="the profile as the assistant sees it")
    p.add_argument("--sensitive", action="store_true", help="as it would be with sensitive facts allowed in prompts")
    p.set_defaults(func=run_profile)

    p = sub.add_parser("whoami", help="who Mnemo thinks you are, and why",
                       description="Shows the owner of this data folder as inferred from your documents (sent mail, "
                                   "the 'me' contact, first-person notes, payslips, letters) with the evidence; "
                                   "--set confirms or corrects it and the profile is read again for that person.")
    p.add_argument("--set", metavar='"NAME <EMAIL>"', dest="owner",
                   help='you are this person, e.g. --set "Ada Novak <ada@example.org>" (several e-mails: comma-separated)')
    p.add_argument("--confirm", action="store_true", help="confirm the inferred owner as you")
    p.add_argument("--reset", action="store_true", help="drop your setting and infer the owner again")
    p.set_defaults(func=run_whoami)

    p = sub.add_parser("people", help="the other people in your documents (partner, family, colleagues)")
    p.add_argument("who", nargs="?", default="", help="a relation (sister) or a name to look up")
    p.set_defaults(func=run_people)

    p = sub.add_parser("topics", help="topics (shades) found in your documents and conversations")
    p.add_argument("--update", action="store_true", help="place new material and name new topics now")
    p.add_argument("--rebuild", action="store_true", help="cluster everything again from scratch")
    p.set_defaults(func=run_topics)

    p = sub.add_parser("bio", help="your biography (first and third person)")
    p.add_argument("--edit", metavar="TEXT", help="replace the first-person bio with your own text (kept as written)")
    p.add_argument("--edit-third", metavar="TEXT", help="replace the third-person bio with your own text")
    p.add_argument("--reset", action="store_true", help="drop your edits and let Mnemo write it again")
    p.add_argument("--regenerate", action="store_true", help="write the generated parts again now")
    p.set_defaults(func=run_bio)


def _line(f) -> str:  # FactRecord
    flags = ("P" if f.pinned else " ") + ("S" if f.sensitive else " ")
    from core.persona.phones import phone_display

    value = phone_display(f.value) if f.key == "tel" else f.value
    return f"{flags} {f.key:<22} {value:<36} {f.confidence:>4.2f}  {f.source}"


def _print_owner(owner) -> None:  # core.persona.owner.Owner
    if not owner.known:
        print("Mnemo does not know yet who you are: no document says it clearly.")
        print('Tell it: mnemo whoami --set "Your Name <you@example.org>"')
    else:
        who = owner.name + (" " if owner.name else "") + ", ".join(f"<{e}>" for e in owner.emails)
        print(f"You are {who.strip()}" + (" (confirmed by you)" if owner.confirmed else " (inferred)"))
        for line in owner.evidence:
            print(f"  - {line}")
    if owner.others:
        print("Also considered: " + "; ".join(f"{n} ({s:.1f})" for n, s in owner.others))
    if owner.known and not owner.confirmed:
        print('Wrong? Correct it: mnemo whoami --set "Name <email>"; right? mnemo whoami --confirm')


def run_whoami(args: argparse.Namespace, services) -> int:
    from core.persona.owner import parse_owner_spec

    persona = services.persona
    if args.reset:
        persona.set_owner("", [])
    elif args.owner is not None:
        name, emails = parse_owner_spec(args.owner)
        if not (name or emails):
            raise MnemoError("Give a name, an e-mail or both.", 'For example: mnemo whoami --set "Ada Novak <ada@example.org>"')
        persona.set_owner(name, emails)
    elif args.confirm:
        owner = persona.owner()
        if not owner.known:
            raise MnemoError("There is no inferred owner to confirm.", 'Set it: mnemo whoami --set "Name <email>"')
        persona.set_owner(owner.name, owner.emails)
    _print_owner(persona.owner())
    return 0


def run_people(args: argparse.Namespace, services) -> int:
    from core.persona.phones import phone_display

    people = services.persona.people
    rows = people.lookup(args.who) if args.who else people.all()
    if not rows:
        print("No one found." if args.who else "No other people yet: they come from your mail, contacts and notes.")
    for p in rows:
        parts = [p.name or p.email]
        if p.relation:
            parts.append(f"({p.relation})")
        if p.email and p.name:
            parts.append(p.email)
        if p.tel:
            parts.append(phone_display(p.tel))
        if p.organization:
            parts.append(p.organization)
        print("  ".join(parts) + f"   [{', '.join(p.sources[:3])}]")
    return 0


def run_facts(args: argparse.Namespace, services) -> int:
    facts = services.persona.facts
    cmd = args.facts_cmd
    if cmd == "list":
        rows = facts.all(reveal=args.reveal)
        if not rows:
            print("No facts yet. Import your documents with 'mnemo import DIR', or set one: mnemo facts set email me@example.org")
        for f in rows:
            print(_line(f))
        if rows:
            print("\nP = pinned, S = sensitive (encrypted; shown masked unless --reveal)")
        return 0
    if cmd == "show":
        f = facts.get(args.key, reveal=args.reveal)
        if f is None:
            raise MnemoError(f"There is no fact '{args.key}'.", "List them with 'mnemo facts list'.")
        print(f"{f.key}: {f.value}")
        print(f"  source: {f.source}   confidence: {f.confidence:.2f}   pinned: {f.pinned}   sensitive: {f.sensitive}")
        print(f"  updated: {f.updated_at:%Y-%m-%d %H:%M}")
        for h in f.history:
            print(f"  was: {h.value}  (from {h.source}, {h.confidence:.2f}; {h.reason}, {h.replaced_at:%Y-%m-%d %H:%M})")
        return 0
    if cmd == "set":
        f = facts.set(args.key, args.value, pinned=not args.unpinned)
        print(_line(f))
        return 0
    if cmd == "pin":
        f = facts.pin(args.key, not args.off)
        print(_line(f))
        return 0
    if cmd == "forget":
        if not facts.forget(args.key):
            raise MnemoError(f"There is no fact '{args.key}'.", "List them with 'mnemo facts list'.")
        print(f"Forgot '{args.key}' (its value, history and sources; it will not be learned again).")
        return 0
    if cmd == "refresh":
        stats = run_job(services.persona.refresh, "facts", use_model=False if args.rules_only else None)
        print(f"Read {stats['chunks']} chunks and {stats['messages']} messages; {stats['topics']} topics changed.")
        return 0
    return 1


def run_profile(args: argparse.Namespace, services) -> int:
    from core.persona.keys import label

    persona = services.persona
    text = persona.profile_text(include_sensitive=True if args.sensitive else None)
    if not text:
        print("The profile is empty. Import your documents with 'mnemo import DIR' or chat with Mnemo.")
        return 0
    owner = persona.owner()
    if owner.name:
        state = "confirmed by you" if owner.confirmed else "inferred; 'mnemo whoami' shows why and lets you correct it"
        print(f"You are {owner.name} ({state}).\n")
    print(text)
    facts = [f for f in persona.facts.all() if args.sensitive or not f.sensitive]
    if facts:
        print("\nWhere each fact was found:")
        for f in sorted(facts, key=lambda f: label(f.key)):
            print(f"  {label(f.key)}: {'; '.join(persona.facts.sources(f.key)) or f.source}")
    return 0


def run_topics(args: argparse.Namespace, services) -> int:
    if args.rebuild:
        run_job(services.persona.topics.rebuild, "topics")
    elif args.update:
        run_job(services.persona.topics.update, "topics")
    topics = services.persona.topics.list()
    if not topics:
        print("No topics yet: they form once a few related documents or conversations exist ('mnemo facts refresh').")
    for t in topics:
        print(f"{t.id:>4}  {t.name}  ({t.size} items)")
        if t.description:
            print(f"      {t.description}")
        if t.keywords:
            print(f"      keywords: {', '.join(t.keywords[:8])}")
    return 0


def run_bio(args: argparse.Namespace, services) -> int:
    bio = services.persona.bio
    if args.edit is not None:
        bio.edit(args.edit)
    if args.edit_third is not None:
        bio.edit(args.edit_third, third_person=True)
    if args.reset:
        bio.edit("")
        bio.edit("", third_person=True)
    if args.regenerate or args.reset:
        services.persona.update_bio(force=True)
    view = bio.get()
    if not (view.first_person or view.third_person):
        print("No biography yet. It is written from your facts and topics ('mnemo facts refresh'), or write your own: "
              "mnemo bio --edit \"I am ...\"")
        return 0
    print("First person" + (" (your text)" if view.first_edited else "") + ":")
    print("  " + view.first_person)
    print("Third person" + (" (your text)" if view.third_edited else "") + ":")
    print("  " + view.third_person)
    return 0
