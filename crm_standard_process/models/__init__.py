from . import crm_need_type
from . import res_company
from . import res_config_settings
from . import res_partner
from . import crm_lead
from . import mail_activity_type
from . import crm_complaint_ticket
from . import crm_complaint_sla
