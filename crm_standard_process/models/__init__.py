# capabilities first: the models below compose them
from . import crm_team
from . import field_guard_mixin
from . import grading_mixin
from . import customer_review_mixin
from . import customer_grade_mixin
from . import duplicate_mixin
from . import followup_target_mixin
from . import customer_routing_mixin
from . import escalation_mixin
from . import sla_clock_mixin
from . import sla_result_mixin
from . import lead_followup_mixin
from . import process_desk_mixin

# models
from . import crm_need_type
from . import res_company
from . import res_config_settings
from . import res_partner
from . import res_users
from . import crm_lead
from . import mail_activity_type
from . import crm_complaint_ticket
from . import crm_complaint_sla
from . import crm_followup_plan
from . import crm_followup_compliance
from . import crm_followup_greeting
from . import mail_activity
from . import mail_message
from . import mail_thread
