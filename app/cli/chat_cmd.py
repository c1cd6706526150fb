"""``mnemo chat``: one message, an interactive session, or read stored conversations back."""
from __future__ import annotations

import argparse
import sys

from core.jobs import CancelToken


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chat", help="chat with Mnemo (streams the answer)",
                       description="Chat with Mnemo. With -m, answer one message; without, an interactive session.")
    p.add_argument("-m", "--message", help="send one message and print the answer")
    p.add_argument("-c", "--conversation", type=int, help="continue conversation ID")
    p.add_argument("--list", action="store_true", help="list stored conversations")
    p.add_argument("--search", default="", help="with --list: only conversations that mention this text")
    p.add_argument("--show", type=int, metavar="ID", help="print a stored conversation")
    p.add_argument("--export", type=int, metavar="ID", help="print a conversation as Markdown")
    p.add_argument("--delete", type=int, metavar="ID", help="delete a conversation")
    p.set_defaults(func=run)


def _print_sources(sources: list[dict]) -> None:
    cited = [s for s in sources if s.get("cited")]
    if cited:
        print("Sources:")
        for s in cited:
            print(f"  [{s['n']}] {s['source']}")


def _answer(services, text: str, conversation_id: int | None) -> int:
    cancel = CancelToken()
    try:
        reply = services.chat.send(text, conversation_id, on_token=lambda t: (sys.stdout.write(t), sys.stdout.flush()),
                                   cancel=cancel)
    except KeyboardInterrupt:
        cancel.cancel()
        raise
    print()
    _print_sources(reply.sources)
    if services.decoder.notice:
        print(f"note: {services.decoder.notice}", file=sys.stderr)
    return reply.conversation_id


def run(args: argparse.Namespace, services) -> int:
    store = services.conversations
    if args.list:
        rows = store.list(args.search)
        if not rows:
            print("No conversations yet. Start one with: mnemo chat -m \"Hello\"")
        for c in rows:
            print(f"{c.id:>5}  {c.updated_at:%Y-%m-%d %H:%M}  {c.n_messages:>3} msgs  {c.title}")
        return 0
    if args.show is not None:
        conv = store.get(args.show)
        print(f"# {conv.title}  (conversation {conv.id}, started {conv.created_at:%Y-%m-%d %H:%M})")
        for m in store.messages(conv.id):
            who = {"user": "You", "assistant": "Mnemo"}.get(m.role, m.role)
            print(f"\n{who}: {m.content}")
            _print_sources((m.meta or {}).get("sources", []))
        return 0
    if args.export is not None:
        sys.stdout.write(store.to_markdown(args.export))
        return 0
    if args.delete is not None:
        store.get(args.delete)
        store.delete(args.delete)
        print(f"Deleted conversation {args.delete}.")
        return 0
    if args.message:
        cid = _answer(services, args.message, args.conversation)
        print(f"(conversation {cid})", file=sys.stderr)
        return 0
    # Interactive session.
    cid = args.conversation
    print("Mnemo — type your message; an empty line or Ctrl-D ends the session, Ctrl-C stops an answer.")
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            print()
            break
        if not text:
            break
        try:
            sys.stdout.write("mnemo> ")
            cid = _answer(services, text, cid)
        except KeyboardInterrupt:
            print("\n(stopped)")
    if cid is not None:
        print(f"(conversation {cid} saved)")
    return 0
