"""Issue 14: the manager sees what is missing before activating a profile, and
the company may require the verification first."""

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import ADDON, CrmStandardProcessCase, complete_draft_customer


class TestProfileActivation(CrmStandardProcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = complete_draft_customer(cls.env, "Unverified Works", cls.rep)
        cls.customer.with_user(cls.rep).action_submit_review()

    def _require_verification(self, required=True):
        settings = Form(self.env["res.config.settings"])
        settings.activation_requires_verification = required
        settings.save().execute()

    def test_review_warning_names_the_missing_verification_and_empty_fields(self):
        """Under review, the warning names the missing verification, and the
        info the completeness and the fields still empty."""
        customer = self.customer
        self.assertIn("Not verified", customer.review_warning)
        self.assertIn(
            f"{customer.profile_completeness}% complete", customer.review_info
        )
        self.assertIn("Industry", customer.review_info)
        customer.verification_method = "registry"
        self.assertFalse(customer.review_warning)

    def test_review_warning_names_key_fields_removed_after_submission(self):
        """A key field cleared after submitting shows in the warning."""
        self.customer.sudo().source_id = False
        self.assertIn("Key fields missing", self.customer.review_warning)
        self.assertIn("Source Channel", self.customer.review_warning)

    def test_activation_without_verification_allowed_by_default(self):
        """By default an unverified profile is activated (the form asks first)."""
        self.customer.with_user(self.team_manager).action_activate()
        self.assertEqual(self.customer.profile_state, "active")

    def test_company_requiring_verification_refuses_unverified_activation(self):
        """With the setting on, activating an unverified profile is refused with
        a clear message, and nothing changes."""
        self._require_verification()
        self.assertTrue(self.env.company.activation_requires_verification)
        self.assertIn("requires the verification", self.customer.review_warning)
        with self.assertRaisesRegex(UserError, "requires a verified profile"):
            self.customer.with_user(self.team_manager).action_activate()
        self.assertEqual(self.customer.profile_state, "to_review")
        self.assertFalse(self.customer.archive_number)

    def test_verified_profile_is_activated_when_verification_is_required(self):
        """Once the rep records the verification, the manager activates it; who
        verified and when are recorded."""
        self._require_verification()
        self.customer.with_user(self.rep).verification_method = "website"
        self.assertEqual(self.customer.verified_by_id, self.rep)
        self.customer.with_user(self.team_manager).action_activate()
        self.assertEqual(self.customer.profile_state, "active")

    def test_setting_is_per_company(self):
        """Another company's profiles are not held back by this company's rule."""
        self._require_verification()
        other = self.env["res.company"].create({"name": "Other Sales Co."})
        self.assertFalse(other.activation_requires_verification)
        self._require_verification(False)
        self.assertFalse(self.env.company.activation_requires_verification)

    def test_form_asks_before_activating_a_profile_with_open_items(self):
        """The Activate button asks for a confirmation while items are open; the
        warning banner shows to the reviewer."""
        arch = self.env.ref(f"{ADDON}.res_partner_view_form").arch
        self.assertIn("o_crm_review_warning", arch)
        self.assertIn("Activate it anyway?", arch)
