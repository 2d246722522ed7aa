from shop_analytics.cli import main

main()
