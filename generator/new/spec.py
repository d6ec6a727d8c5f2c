"""The project spec: checked answers plus every name derived from them.

`build_spec(answers)` is the only way in: answers.check() validates and normalizes every
answer (raising one SpecError with every problem), then the names are derived once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.new import answers as answer_rules
from generator.new import naming
from generator.new.answers import EcaMode


@dataclass(frozen=True, slots=True)
class Names:
    """Every API name the project uses, derived once from the answers."""

    app: str  # Acme_Integration (ECA, tab, permission sets start with it)
    class_prefix: str  # AcmeIntegration
    config_class: str
    handler_class: str
    controller_class: str
    lwc: str  # acmeIntegrationSetup
    tab: str
    admin_permset: str
    integration_permset: str
    custom_permission: str
    setting: str  # Acme_Integration_Settings__c (no namespace)
    remote_site_login: str
    remote_site_test: str
    remote_site_my_domain: str
    project: str  # acme-integration


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """Validated answers plus derived names. Everything a template may use."""

    app_label: str
    app_name: str
    description: str
    namespace: str
    package_name: str
    api_version: str
    contact_email: str
    setting_name: str
    login_url: str  # always a full https URL, no trailing slash
    oauth_scopes: tuple[str, ...]
    eca: EcaMode
    names: Names
    normalized: tuple[tuple[str, str], ...]  # the answers as scaffold.toml records them

    @property
    def ns_prefix(self) -> str:
        """'acme__' or '' : how subscriber-side metadata refers to packaged components."""
        return f"{self.namespace}__" if self.namespace else ""

    @property
    def my_domain_url(self) -> str | None:
        """The configured login URL when it is neither login nor test.salesforce.com."""
        return None if self.login_url in naming.LOGIN_HOSTS.values() else self.login_url

    def answers(self) -> dict[str, str]:
        """The answers as given to build_spec (normalized): what scaffold.toml records."""
        return dict(self.normalized)


def derive_names(app_name: str, setting_name: str) -> Names:
    prefix = naming.to_pascal(app_name)
    return Names(
        app=app_name,
        class_prefix=prefix,
        config_class=f"{prefix}Config",
        handler_class=f"{prefix}JwtHandler",
        controller_class=f"{prefix}SetupController",
        lwc=f"{naming.to_camel(app_name)}Setup",
        tab=f"{app_name}_Setup",
        admin_permset=f"{app_name}_Admin",
        integration_permset=f"{app_name}_Integration_User",
        custom_permission=f"{app_name}_Configure",
        setting=f"{setting_name}__c",
        remote_site_login=f"{app_name}_Login",
        remote_site_test=f"{app_name}_Sandbox_Login",
        remote_site_my_domain=f"{app_name}_My_Domain",
        project=naming.to_kebab(app_name),
    )


def build_spec(answers: Mapping[str, str]) -> ProjectSpec:
    """Validate `answers` (missing keys take defaults) and derive every name.

    Raises SpecError naming every bad answer at once.
    """
    a = answer_rules.check(answers)
    login_url, _ = naming.login_url_problem(a["login_url"])
    return ProjectSpec(
        app_label=a["app_label"],
        app_name=a["app_name"],
        description=a["description"],
        namespace=a["namespace"],
        package_name=a["package_name"],
        api_version=a["api_version"],
        contact_email=a["contact_email"],
        setting_name=a["setting_name"],
        login_url=login_url,
        oauth_scopes=tuple(a["oauth_scopes"].split(", ")),
        eca=EcaMode(a["eca"]),
        names=derive_names(a["app_name"], a["setting_name"]),
        normalized=tuple(a.items()),
    )

