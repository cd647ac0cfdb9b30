"""schemathesis against /api/openapi.json: no answer with status 5xx, none that breaks its documented schema.

Each operation gets generated requests (valid and invalid) with a staff token (residents' operations with a
resident's); on CI this runs on PostgreSQL too (the fixture is parametrised over both databases).
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from library import deploy_library, fast_validation  # noqa: F401 - fixture
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from test_residents__register_and_signin import _household
from test_webapp__api_resident import resident_token
from test_webapp__api_staff import open_task, token_for


@pytest.fixture
def api_schema(app, session, fast_validation):
    deploy_library(session, "repair")
    _household(session)
    open_task(session)
    client = app.test_client()
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    app.config["SCHEMATHESIS_TOKENS"] = {"staff": token_for(client, "fd1"), "spare": token_for(client, "sup1"),
                                         "resident": resident_token(client, session)}
    session.rollback()
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_5xx_and_every_answer_matches_its_schema(case, app):
    tokens = app.config["SCHEMATHESIS_TOKENS"]
    who = "resident" if case.path.startswith(("/api/v1/me", "/api/v1/resident")) else "staff"
    if case.method == "DELETE":  # revoking may hit the caller's own token: a spare one, not the one the rest use
        who = "spare"
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[who]}"},
                           checks=[not_a_server_error, response_schema_conformance])


def _headers(app, case) -> dict:
    tokens = app.config["SCHEMATHESIS_TOKENS"]
    who = "resident" if case.path.startswith(("/api/v1/me", "/api/v1/resident")) else "staff"
    return {"Authorization": f"Bearer {tokens['spare' if case.method == 'DELETE' else who]}"}


def test_stateful_sequences_follow_the_links_without_5xx(api_schema, app):
    """Operations chained by the document's links (a started case is read, a reported one commented on …)."""

    class Workflow(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": _headers(app, case)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                   transport_kwargs=kwargs or None)

    Workflow.run(settings=settings(max_examples=15, stateful_step_count=4, deadline=None, derandomize=True,
                                   suppress_health_check=list(HealthCheck)))
