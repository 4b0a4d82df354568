from . import crm_monthly_report_pdf
from . import crm_monthly_report_xlsx
