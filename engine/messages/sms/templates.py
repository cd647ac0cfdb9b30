"""The SMS templates: Chinese texts with named variables, registered with the provider under one key each.

Providers in China only send texts from templates approved beforehand, with the
variables filled in (``{1}``, ``{2}``… on Tencent Cloud, in the order of ``VARIABLES``).
A notice a diagram sends without naming a template goes out as ``notice``
(the whole text as one variable).
"""
from __future__ import annotations

from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Template:
    key: str
    text: str  # Chinese, with {name} variables

    @property
    def variables(self) -> list[str]:
        """The variable names in the order they appear (the provider's {1}, {2}, …)."""
        names: list[str] = []
        for _, name, _, _ in Formatter().parse(self.text):
            if name and name not in names:
                names.append(name)
        return names

    def render(self, values: dict[str, str]) -> tuple[str, list[str]]:
        """The text and the ordered parameters; ``KeyError`` names a missing variable."""
        params = [str(values[name]) for name in self.variables]
        return self.text.format(**{n: v for n, v in zip(self.variables, params)}), params


TEMPLATES = {t.key: t for t in (
    Template("code", "您的登录验证码为 {code},{minutes} 分钟内有效。如非本人操作,请忽略本短信。"),
    Template("complaint_received", "您的投诉已受理,编号 {case_no},联系人 {contact},我们将于 {due} 前答复您。"),
    Template("complaint_reply", "您的投诉 {case_no} 答复:{reply}"),
    Template("complaint_progress", "您的投诉 {case_no} {progress}。如有疑问请联系客服中心。"),
    Template("complaint_extension", "您的投诉 {case_no} 需延期处理,原因:{reason},预计 {new_date} 前解决。"),
    Template("case_closed", "您的{case_kind} {case_no} 已处理完毕并结案,感谢您的监督。"),
    Template("repair_received", "您的报修已受理,单号 {case_no},{promise}。"),
    Template("repair_progress", "报修单 {case_no}:{progress}。"),
    Template("survey_invite", "尊敬的{household}业户:{property}诚邀您填写《{title}》,约1分钟,"
                              "{closes}前有效:{link} 感谢您的支持!"),
    Template("notice", "{message}"),
)}


def get(key: str) -> Template:
    """The template named ``key`` (``KeyError`` if there is none)."""
    return TEMPLATES[key]
