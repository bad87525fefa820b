"""The language of a request and ``_()`` in every template (docs/i18n.md).

Language: the person's choice (the ``sphere_lang`` cookie the switch link sets), else
the most preferred of German and English in ``Accept-Language``, else ``SPHERE_LANGUAGE``.
Each template gets ``i18n`` (the request's ``sphere.i18n.Translator``) and ``lang``
through a context processor; the Jinja2 ``i18n`` extension's ``_``/``gettext``/
``ngettext``/``pgettext`` and the filters ``date``, ``time``, ``datetime``, ``number``
read it, so ``{{ _("Text with %(name)s", name=x) }}`` works in portal, public and
cockpit templates alike (autoescaped: placeholders are escaped, the text is not
marked safe).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from starlette.requests import Request

from sphere.i18n import LANGUAGES, Translator, glossary, negotiate, supported, translator
from sphere.i18n.catalogs import load
from sphere.i18n.message import render as render_message

LANG_COOKIE = "sphere_lang"
__all__ = ["LANGUAGES", "LANG_COOKIE", "install", "pick_language", "request_translator"]


def pick_language(request: Request, default: str = "en") -> str:
    chosen = supported(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    return negotiate(request.headers.get("accept-language", "")) or default


def request_translator(request: Request) -> Translator:
    """The request's translator (computed once per request)."""
    cached = getattr(request.state, "i18n", None)
    if isinstance(cached, Translator):
        return cached
    runtime = getattr(request.app.state, "runtime", None)
    settings = runtime.settings if runtime is not None else None
    default = settings.language if settings is not None else "en"
    tz = settings.timezone if settings is not None else "Europe/Berlin"
    found = translator(pick_language(request, default), tz)
    request.state.i18n = found
    return found


def context_processor(request: Request) -> dict[str, Any]:
    """``i18n`` and ``lang`` for every template, and ``company`` (name and privacy
    contact, for the portal and public pages' header and footer)."""
    found = request_translator(request)
    runtime = getattr(request.app.state, "runtime", None)
    company = runtime.company_contact() if runtime is not None else None
    return {"i18n": found, "lang": found.lang, "company": company}


def _of(context: Context) -> Translator:
    found = context.get("i18n")
    return found if isinstance(found, Translator) else translator()


# The extension's newstyle wrappers apply ``%(name)s`` (and ``num``) afterwards.
@pass_context
def _gettext(context: Context, message: str) -> str:
    return load(_of(context).lang).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return load(_of(context).lang).ngettext(singular, plural, n)


@pass_context
def _pgettext(context: Context, ctx: str, message: str) -> str:
    return load(_of(context).lang).pgettext(ctx, message)


@pass_context
def _npgettext(context: Context, ctx: str, singular: str, plural: str, n: int) -> str:
    return load(_of(context).lang).npgettext(ctx, singular, plural, n)


@pass_context
def _date(context: Context, value: date | datetime | str | None) -> str:
    return _of(context).date(value)


@pass_context
def _deadline(context: Context, value: datetime | str | None) -> str:
    return _of(context).deadline(value)


@pass_context
def _month(context: Context, value: date | str | None) -> str:
    return _of(context).month(value)


@pass_context
def _time(context: Context, value: datetime | str | None) -> str:
    return _of(context).time(value)


@pass_context
def _datetime(context: Context, value: datetime | str | None) -> str:
    return _of(context).datetime(value)


@pass_context
def _number(context: Context, value: float | int | None, digits: int | None = None) -> str:
    return _of(context).number(value, digits=digits)


@pass_context
def _scientific(context: Context, value: float | None) -> str:
    return _of(context).scientific(value)


@pass_context
def _roughly(context: Context, value: float | None) -> str:
    return _of(context).roughly(value)


@pass_context
def _term(context: Context, kind: str, key: object) -> str:
    return glossary.term(_of(context), kind, key)


@pass_context
def _article(context: Context, code: object) -> str:
    return glossary.article(_of(context), code)


@pass_context
def _legal_basis(context: Context, code: object) -> str:
    return glossary.legal_basis(_of(context), code)


@pass_context
def _reason(context: Context, code: object, text: str, purpose: object = None) -> str:
    return glossary.reason(_of(context), code, text, purpose)


@pass_context
def _rule_reason(context: Context, text: str) -> str:
    return glossary.rule_reason(_of(context), text)


@pass_context
def _describe(context: Context, purpose: object, text: str) -> str:
    return glossary.describe(_of(context), purpose, text)


@pass_context
def _message(context: Context, value: object) -> str:
    """A message of ``sphere.i18n.message`` (a finding's or a measure's evidence)."""
    return render_message(_of(context), value)


def install(env: Environment) -> None:
    """Adds the ``i18n`` extension with per-request callables, the format filters and
    the glossary (``term``, ``article``, ``legal_basis``, ``describe``, ``reason``,
    ``rule_reason``) and ``message`` (``sphere.i18n.message``)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
    env.filters.update(
        date=_date,
        deadline=_deadline,
        month=_month,
        time=_time,
        datetime=_datetime,
        number=_number,
        scientific=_scientific,
        roughly=_roughly,
    )
    default = translator()  # a template rendered outside a request (mails, tests)
    env.globals.update(
        i18n=default,
        lang=default.lang,
        company=None,
        term=_term,
        article=_article,
        legal_basis=_legal_basis,
        describe=_describe,
        reason=_reason,
        rule_reason=_rule_reason,
        message=_message,
    )
