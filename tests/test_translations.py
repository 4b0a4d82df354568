"""zh_CN ships complete: every term of the addon is translated."""

from pathlib import Path

import polib

from odoo.exceptions import UserError
from odoo.tools.translate import TranslationModuleReader

from .common import ADDON, CrmStandardProcessCase

I18N = Path(__file__).parent.parent / ADDON / "i18n"


class TestTranslations(CrmStandardProcessCase):
    def test_every_term_has_a_chinese_translation(self):
        """The addon's current terms are all in zh_CN.po, translated."""
        translated = {
            entry.msgid
            for entry in polib.pofile(str(I18N / "zh_CN.po"))
            if entry.msgstr and not entry.fuzzy and not entry.obsolete
        }
        reader = TranslationModuleReader(self.env.cr, modules=[ADDON], lang="en_US")
        terms = {
            source
            for module, *_kind, source, _value, _comments in reader
            if module == ADDON
        }
        self.assertGreater(len(terms), 100)
        self.assertFalse(sorted(terms - translated), "untranslated zh_CN terms")

    def test_chinese_user_reads_labels_and_errors_in_chinese(self):
        """With zh_CN loaded, labels and error messages come in Chinese."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", ADDON)]
        )._update_translations(["zh_CN"])
        partner = self.env["res.partner"].with_context(lang="zh_CN")
        self.assertEqual(
            partner.fields_get(["customer_grade"])["customer_grade"]["string"], "等级"
        )
        draft = partner.with_context(default_profile_state="draft").create(
            {"name": "华东测试", "is_company": True}
        )
        with self.assertRaisesRegex(UserError, "无法提交审核"):
            draft.action_submit_review()
