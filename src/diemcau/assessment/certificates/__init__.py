"""Certificates (giấy chứng nhận): issued on completion, signed, printed, verified by anyone.

- models.py: Certificate (importable from assessment.models);
- issuing.py: issue, reissue, revoke, verify, a site's PDF; signing.py: the Ed25519 code;
- pdf.py: the A4 page; template.py: the organiser's template (text, signer, emblem, seal);
- batch.py, tasks.py: certificates for a whole unit as a background job;
- api.py, views.py, views_template.py, views_public.py: the organisers' endpoints and pages,
  and the public verification page /xac-minh/ (assembled by assessment.api/urls).

Public surface: `certificates.services`. Other sub-packages and apps import that module, never
the modules above. This file imports nothing: assessment.models imports certificates.models
while Django loads the models, and a re-export here would load services then.
"""
