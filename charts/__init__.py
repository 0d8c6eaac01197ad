"""Pure chart builders: DataFrame -> alt.Chart, one look and one set of rules for every page.

One palette: ``charts.palette`` gives each category code its colour (Xây mới is the same blue
on Nhà ở and in the quarterly briefing); red and green mean only "chưa đạt" and "đạt".

One unit rule: money reaches a builder in whole đồng; every chart axis of money is in triệu
đồng and says so in its title ("Kinh phí (triệu đồng)"); tooltips give the exact amount in
words ("1,35 tỷ đồng") and tables and downloads whole đồng. Counts are whole numbers with their
noun in the axis title ("Số hộ"); shares are per cent axes (0–100%).

One drill: every chart with a commune or a month axis is built by ``charts.common``, so that a
tap on a commune's bar or on a month narrows the page to it (``ui.sections``). Every chart gets
Vietnamese accessible names from ``charts.aria``; numbers are formatted by
``charts.formatting`` only.
"""
