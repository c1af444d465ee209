# Django's Vietnamese locale has no input formats and falls back to the US month-first ones, which would read
# 05/08/2026 as 8 May. Vietnamese write the day first.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M"]

# Dates as people write them in Việt Nam, day first with slashes (20/11/2026), wherever a date is shown unformatted;
# Django's Vietnamese locale would write "Ngày 20 tháng 11 năm 2026" or 20-11-2026.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
